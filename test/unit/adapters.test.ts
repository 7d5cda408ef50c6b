import { errorCode, translate } from '../../adapters/aws';
import { toGroupView, toLaunchConfigurationView } from '../../adapters/autoscaling';
import { toImageView } from '../../adapters/ec2';
import { toGrantView } from '../../adapters/kms';
import { MemberSessions, NOT_IN_ORGANIZATION } from '../../adapters/sts';
import { AwsCallError, TransientAwsError } from '../../core/errors';
import { awsContext, MemberAccessNotGivenError } from '../../services/aws-context';

const sdkError = (name: string, status: number) => Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });

describe('translate', () => {
  it.each([
    ['RequestLimitExceeded', 503],
    ['ThrottlingException', 400],
    ['Throttling', 400],
    ['InternalError', 500],
  ])('makes %s transient, for the state machine to retry', (name, status) => {
    const error = translate('ec2:DescribeImages', sdkError(name, status));
    expect(error).toBeInstanceOf(TransientAwsError);
    expect(error.name).toBe('TransientAwsError');
    expect(error.message).toContain(name);
  });

  it('keeps the AWS code of anything else, for the caller to decide', () => {
    const error = translate('kms:CreateGrant', sdkError('AccessDeniedException', 400));
    expect(error).toBeInstanceOf(AwsCallError);
    expect((error as AwsCallError).code).toBe('AccessDeniedException');
    expect(errorCode({ Code: 'InvalidAMIID.NotFound', name: 'x' })).toBe('InvalidAMIID.NotFound');
  });
});

describe('response mapping', () => {
  it('collects every launch template a mixed-instances group may use, once each', () => {
    const view = toGroupView({
      AutoScalingGroupName: 'mixed',
      MixedInstancesPolicy: {
        LaunchTemplate: {
          LaunchTemplateSpecification: { LaunchTemplateId: 'lt-1', Version: '$Latest' },
          Overrides: [{ InstanceType: 'c5.large', LaunchTemplateSpecification: { LaunchTemplateId: 'lt-2', Version: '3' } }, { InstanceType: 'c5.xlarge' }, { LaunchTemplateSpecification: { LaunchTemplateId: 'lt-1', Version: '$Latest' } }],
        },
      },
    } as never);
    expect(view.launchTemplates).toEqual([
      { launchTemplateId: 'lt-1', version: '$Latest' },
      { launchTemplateId: 'lt-2', version: '3' },
    ]);
  });

  it('reads which snapshots an image has and whether they are encrypted (DescribeImages never says with which key)', () => {
    const view = toImageView({
      ImageId: 'ami-008c67c239389d171',
      OwnerId: '644160558196',
      State: 'available',
      BlockDeviceMappings: [
        { DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-0b80955e4f7052f72', VolumeSize: 8, Encrypted: true } },
        { DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' },
      ],
    });
    expect(view.snapshots).toEqual([{ deviceName: '/dev/xvda', snapshotId: 'snap-0b80955e4f7052f72', encrypted: true }]);
  });

  it('marks a grant that carries encryption-context constraints (ListGrants as AWS answers it), and only such a grant', () => {
    // samples: kms_listgrants_aws_managed_dynamodb_constraints_awscli.json
    const constrained = toGrantView({
      Constraints: { EncryptionContextSubset: { 'aws:dynamodb:subscriberId': '123456789012', 'aws:dynamodb:tableName': 'Services' } },
      IssuingAccount: 'arn:aws:iam::123456789012:root',
      Name: '8276b9a6-6cf0-46f1-b2f0-7993a7f8c89a',
      Operations: ['Decrypt', 'Encrypt', 'GenerateDataKey', 'ReEncryptFrom', 'ReEncryptTo', 'RetireGrant', 'DescribeKey'],
      GrantId: '1667b97d27cf748cf05b487217dd4179526c949d14fb3903858e25193253fe59',
      KeyId: 'arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      RetiringPrincipal: 'dynamodb.us-west-2.amazonaws.com',
      GranteePrincipal: 'dynamodb.us-west-2.amazonaws.com',
      CreationDate: new Date('2021-05-13T18:32:45.144Z'),
    });
    expect(constrained.constrained).toBe(true);
    expect(toGrantView({ GrantId: 'g', GranteePrincipal: 'p', Operations: ['Decrypt'], Constraints: { EncryptionContextEquals: { a: 'b' } } }).constrained).toBe(true);
    expect(toGrantView({ GrantId: 'g', GranteePrincipal: 'p', Operations: ['Decrypt'], Constraints: {} }).constrained).toBe(false);
    expect(toGrantView({ GrantId: 'g', GranteePrincipal: 'p', Operations: ['Decrypt'] }).constrained).toBe(false);
  });

  it('tells a launch configuration that requests Spot Instances (SpotPrice) from one that does not', () => {
    const base = { LaunchConfigurationName: 'web-lc', ImageId: 'ami-0a1b2c3d4e5f60718', InstanceType: 't3.micro', CreatedTime: new Date('2026-11-01T10:00:00Z') };
    expect(toLaunchConfigurationView({ ...base, SpotPrice: '0.05' })).toEqual({ imageId: 'ami-0a1b2c3d4e5f60718', spot: true });
    expect(toLaunchConfigurationView(base)).toEqual({ imageId: 'ami-0a1b2c3d4e5f60718', spot: false });
  });
});

describe('member sessions', () => {
  const config = { partition: 'aws' as const, memberRoleName: 'amiwarden-member', memberExternalId: 'x-id', organizationId: 'o-a1b2c3d4e5' };
  const stsAnswering = (calls: string[]) => () =>
    ({
      send: async (command: { input: { RoleArn: string } }) => {
        calls.push(command.input.RoleArn);
        return { Credentials: { AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 'secret', SessionToken: 'token' } };
      },
    }) as never;

  it('never assumes the member role of an account Organizations does not name as an active member, whatever its role trusts', async () => {
    const assumed: string[] = [];
    const sessions = new MemberSessions(config, 'test', stsAnswering(assumed), async (account) => account === '111111111111');

    await expect(sessions.credentials('123456789012', 'us-east-1')).rejects.toMatchObject({ name: 'MemberRoleUnavailableError', code: NOT_IN_ORGANIZATION, account: '123456789012' });
    await expect(sessions.credentials('111111111111', 'us-east-1')).resolves.toMatchObject({ accessKeyId: 'ASIAEXAMPLE' });
    expect(assumed).toEqual(['arn:aws:iam::111111111111:role/amiwarden-member']);
  });

  it('assumes the role once per account, whatever its Regions: through STS in the Region first asked, checked once by Organizations', async () => {
    const calls: { region: string; roleArn: string }[] = [];
    const asked: string[] = [];
    const sts = (region: string) =>
      ({
        send: async (command: { input: { RoleArn: string } }) => {
          calls.push({ region, roleArn: command.input.RoleArn });
          return { Credentials: { AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(Date.now() + 900_000) } };
        },
      }) as never;
    const sessions = new MemberSessions(config, 'test', sts, async (account, region) => (asked.push(`${account}/${region}`), true));

    // Two Regions of one account at once (as a sweep's batch inspects them), then a third one later.
    const [east, west] = await Promise.all([sessions.credentials('111111111111', 'eu-west-1'), sessions.credentials('111111111111', 'us-east-1')]);
    const south = await sessions.credentials('111111111111', 'ap-south-1');
    await sessions.credentials('222222222222', 'us-east-1');

    expect({ same: east === west && west === south, calls, asked }).toEqual({
      same: true,
      calls: [
        { region: 'eu-west-1', roleArn: 'arn:aws:iam::111111111111:role/amiwarden-member' },
        { region: 'us-east-1', roleArn: 'arn:aws:iam::222222222222:role/amiwarden-member' },
      ],
      asked: ['111111111111/eu-west-1', '222222222222/us-east-1'],
    });
  });

  it('assumes the role again before its session expires, once however many Regions ask, and a refused AssumeRole stays a named outcome', async () => {
    let issued = 0;
    let refuse = false;
    const sts = () =>
      ({
        send: async () => {
          if (refuse) throw Object.assign(new Error('not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
          issued++;
          // The first session ends within the refresh margin (a minute), the next ones in 15 minutes.
          return { Credentials: { AccessKeyId: `ASIAEXAMPLE${issued}`, SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(Date.now() + (issued === 1 ? 30_000 : 900_000)) } };
        },
      }) as never;
    const sessions = new MemberSessions(config, 'test', sts, async () => true);

    expect((await sessions.credentials('111111111111', 'us-east-1')).accessKeyId).toBe('ASIAEXAMPLE1');
    const again = await Promise.all([sessions.credentials('111111111111', 'us-east-1'), sessions.credentials('111111111111', 'eu-west-1')]);
    expect({ keys: again.map((c) => c.accessKeyId), issued }).toEqual({ keys: ['ASIAEXAMPLE2', 'ASIAEXAMPLE2'], issued: 2 });

    refuse = true;
    await expect(sessions.credentials('333333333333', 'eu-west-1')).rejects.toMatchObject({ name: 'MemberRoleUnavailableError', code: 'AccessDenied', account: '333333333333' });
  });

  it('shares a refusal of the account among its Regions, but tries a Region whose STS is active when the first one’s is not', async () => {
    const calls: string[] = [];
    const refusal = (name: string) => Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: 403 } });
    const sts = (region: string) =>
      ({
        send: async (command: { input: { RoleArn: string } }) => {
          calls.push(`${region} ${command.input.RoleArn.split(':')[4]}`);
          if (command.input.RoleArn.includes('333333333333')) throw refusal('AccessDenied');
          if (region === 'ap-east-1') throw refusal('RegionDisabledException');
          return { Credentials: { AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date(Date.now() + 900_000) } };
        },
      }) as never;
    const sessions = new MemberSessions(config, 'test', sts, async () => true);

    const untrusting = await Promise.allSettled([sessions.credentials('333333333333', 'us-east-1'), sessions.credentials('333333333333', 'eu-west-1')]);
    const [optIn, other] = await Promise.allSettled([sessions.credentials('111111111111', 'ap-east-1'), sessions.credentials('111111111111', 'us-east-1')]);

    expect(untrusting.map((r) => r.status === 'rejected' && (r.reason as { code: string }).code)).toEqual(['AccessDenied', 'AccessDenied']);
    expect(optIn).toMatchObject({ status: 'rejected', reason: { name: 'MemberRoleUnavailableError', code: 'RegionDisabledException' } });
    expect(other).toMatchObject({ status: 'fulfilled', value: { accessKeyId: 'ASIAEXAMPLE' } });
    expect(calls).toEqual(['us-east-1 333333333333', 'ap-east-1 111111111111', 'us-east-1 111111111111']);
  });

  it('asks Organizations only when an organization is configured', async () => {
    const assumed: string[] = [];
    const asked: string[] = [];
    const { organizationId: _, ...withoutOrganization } = config;
    const sessions = new MemberSessions(withoutOrganization, 'test', stsAnswering(assumed), async (account) => (asked.push(account), false));

    await sessions.credentials('123456789012', 'us-east-1');
    expect({ asked, assumed }).toEqual({ asked: [], assumed: ['arn:aws:iam::123456789012:role/amiwarden-member'] });
  });
});

describe('AWS access of a function', () => {
  const config = { partition: 'aws' as const, memberRoleName: 'amiwarden-member' };
  const sessions = (asked: string[]) => ({ credentials: async (account: string) => (asked.push(account), { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret' }) });

  it('without member sessions refuses a member account before any call, and still names the member role', async () => {
    const made: unknown[] = [];
    const aws = awsContext(config);

    await expect(aws.member((settings) => made.push(settings), '111111111111', 'us-east-1')).rejects.toBeInstanceOf(MemberAccessNotGivenError);
    expect({ made, roleArn: aws.memberRoleArn('111111111111') }).toEqual({ made: [], roleArn: 'arn:aws:iam::111111111111:role/amiwarden-member' });
  });

  it('with member sessions asks them for the account before it makes the adapter, once per account and region', async () => {
    const asked: string[] = [];
    const made: unknown[] = [];
    const aws = awsContext(config, sessions(asked));
    const factory = (settings: unknown) => (made.push(settings), { adapter: made.length });

    const first = await aws.member(factory, '111111111111', 'us-east-1');
    const again = await aws.member(factory, '111111111111', 'us-east-1');
    expect({ same: first === again, asked, made: made.length }).toEqual({ same: true, asked: ['111111111111', '111111111111'], made: 1 });
  });
});
