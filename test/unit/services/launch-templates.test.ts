/**
 * The launch-template step's outcomes that the end-to-end test does not reach: a template the member
 * did not opt in (the member role refuses), one that does not exist, an account without the grant
 * or without the image, a replay whose default is left to move, bad input. SDK mocked in AWS's shapes.
 */
import {
  CreateLaunchTemplateVersionCommand,
  DescribeImagesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  ModifyLaunchTemplateCommand,
  type LaunchTemplateVersion,
} from '@aws-sdk/client-ec2';
import { KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { clientSettings } from '../../../adapters/aws';
import { loadConfig } from '../../../core/config';
import { MemberRoleUnavailableError } from '../../../core/errors';
import type { AwsContext } from '../../../services/aws-context';
import { parseLaunchTemplatesInput, updateLaunchTemplates } from '../../../services/launch-templates';
import { CENTRAL, CMK_ARN, REGION, TEST_ENV } from '../../fixtures/aws';

const MEMBER = '111122223333';
const LT = 'lt-0a1b2c3d4e5f60718';
const LT2 = 'lt-0f9e8d7c6b5a49382';
const PREVIOUS = 'ami-0aaaaaaaaaaaaaaaa';
const NEXT = 'ami-0bbbbbbbbbbbbbbbb';
const SLR = `arn:aws:iam::${MEMBER}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
const OPERATIONS = ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'DescribeKey', 'CreateGrant'];

const ec2Mock = mockClient(EC2Client);
const kmsMock = mockClient(KMSClient);
const configOf = (env: Record<string, string> = {}) => loadConfig({ ...TEST_ENV, AMIWARDEN_LAUNCH_TEMPLATE_UPDATES: `${MEMBER}:${LT},${MEMBER}:${LT2}`, ...env });

/** Central and member clients alike are the mocked SDK clients; `memberFails` makes the member role unavailable. */
const context = (memberFails = false): AwsContext => ({
  central: (factory, region) => factory(clientSettings(region)),
  member: async (factory, account, region) => {
    if (memberFails) throw new MemberRoleUnavailableError(account, `arn:aws:iam::${account}:role/amiwarden-member`, 'AccessDenied');
    return factory(clientSettings(region));
  },
  memberRoleArn: (account) => `arn:aws:iam::${account}:role/amiwarden-member`,
});

const version = (id: string, n: number, imageId: string, isDefault: boolean): LaunchTemplateVersion => ({ LaunchTemplateId: id, VersionNumber: n, DefaultVersion: isDefault, LaunchTemplateData: { ImageId: imageId } });

function world(templates: Record<string, LaunchTemplateVersion[]>, options: { granted?: boolean; shared?: boolean } = {}) {
  ec2Mock.reset();
  kmsMock.reset();
  ec2Mock.on(DescribeImagesCommand).resolves({ Images: options.shared === false ? [] : [{ ImageId: NEXT, OwnerId: CENTRAL, State: 'available', BlockDeviceMappings: [] }] });
  ec2Mock.on(DescribeLaunchTemplateVersionsCommand).callsFake((input: { LaunchTemplateId: string }) => {
    const versions = templates[input.LaunchTemplateId];
    if (!versions) throw Object.assign(new Error(`The specified launch template, with template ID ${input.LaunchTemplateId}, does not exist.`), { name: 'InvalidLaunchTemplateId.NotFound', $metadata: { httpStatusCode: 400 } });
    const latest = versions[versions.length - 1]!;
    const def = versions.find((v) => v.DefaultVersion)!;
    return { LaunchTemplateVersions: latest === def ? [latest] : [latest, def] };
  });
  kmsMock.on(ListGrantsCommand).resolves({ Grants: options.granted === false ? [] : [{ GrantId: 'g-1', KeyId: CMK_ARN, GranteePrincipal: SLR, Operations: OPERATIONS as never }] });
}

const input = (rest: Record<string, unknown> = {}) => parseLaunchTemplatesInput({ account: MEMBER, launchTemplateIds: [LT, LT2], region: REGION, imageId: NEXT, previousImageId: PREVIOUS, dryRun: false, ...rest }, configOf());

afterAll(() => {
  ec2Mock.restore();
  kmsMock.restore();
});

describe('the launch-template step', () => {
  it('records a template the member did not opt in (its role refuses) and one that does not exist, changing neither', async () => {
    world({ [LT]: [version(LT, 1, PREVIOUS, true)] });
    ec2Mock.on(CreateLaunchTemplateVersionCommand).rejects(Object.assign(new Error('You are not authorized to perform this operation.'), { name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } }));

    const outcome = await updateLaunchTemplates(input(), configOf(), context());

    expect(outcome.outcome).toBe('unchanged');
    expect(outcome.templates.map((t) => [t.launchTemplateId, t.outcome])).toEqual([
      [LT, 'not-permitted'],
      [LT2, 'absent'],
    ]);
    expect(outcome.templates[0]!.finding).toContain('LaunchTemplateIds');
    expect(ec2Mock.commandCalls(ModifyLaunchTemplateCommand)).toHaveLength(0);
  });

  it('changes nothing when the account holds no grant on the key, or cannot see the image', async () => {
    world({ [LT]: [version(LT, 1, PREVIOUS, true)] }, { granted: false });
    const ungranted = await updateLaunchTemplates(input(), configOf(), context());
    expect(ungranted).toMatchObject({ outcome: 'not-launchable', templates: [], finding: expect.stringContaining('no grant') });

    world({ [LT]: [version(LT, 1, PREVIOUS, true)] }, { shared: false });
    const unshared = await updateLaunchTemplates(input(), configOf(), context());
    expect(unshared).toMatchObject({ outcome: 'not-launchable', templates: [] });
    expect(ec2Mock.commandCalls(CreateLaunchTemplateVersionCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(DescribeLaunchTemplateVersionsCommand)).toHaveLength(0);
  });

  it('reports an unavailable member role before any other call', async () => {
    world({});
    expect(await updateLaunchTemplates(input(), configOf(), context(true))).toMatchObject({ outcome: 'member-role-unavailable', templates: [] });
    expect(kmsMock.commandCalls(ListGrantsCommand)).toHaveLength(0);
  });

  it('on a replay, moves only the default it left (when configured), and creates no second version', async () => {
    world({ [LT]: [version(LT, 1, PREVIOUS, true), version(LT, 2, NEXT, false)], [LT2]: [version(LT2, 1, NEXT, true)] });
    ec2Mock.on(ModifyLaunchTemplateCommand).resolves({ LaunchTemplate: { LaunchTemplateId: LT, DefaultVersionNumber: 2 } });
    const config = configOf({ AMIWARDEN_LAUNCH_TEMPLATE_SET_DEFAULT: 'true' });

    const outcome = await updateLaunchTemplates(input(), config, context());

    expect(outcome.templates.map((t) => [t.outcome, t.version, t.defaultVersion])).toEqual([
      ['default-set', 2, 2],
      ['current', 1, 1],
    ]);
    expect(ec2Mock.commandCalls(CreateLaunchTemplateVersionCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(ModifyLaunchTemplateCommand)[0]!.args[0].input).toEqual({ LaunchTemplateId: LT, DefaultVersion: '2' });
  });

  it('plans in a dry run without writing', async () => {
    world({ [LT]: [version(LT, 3, PREVIOUS, true)] });
    const outcome = await updateLaunchTemplates(input({ dryRun: true }), configOf(), context());
    expect(outcome.outcome).toBe('planned');
    expect(outcome.templates[0]).toMatchObject({ outcome: 'planned', sourceVersion: 3 });
    expect(ec2Mock.commandCalls(CreateLaunchTemplateVersionCommand)).toHaveLength(0);
  });

  it('refuses a template or an account the configuration does not name, and a pointer that did not move', () => {
    expect(() => input({ launchTemplateIds: ['lt-0123456789abcdef0'] })).toThrow(/not configured/);
    expect(() => input({ account: '444455556666' })).toThrow(/not configured/);
    expect(() => input({ previousImageId: NEXT })).toThrow(/did not move/);
    expect(() => input({ launchTemplateIds: [] })).toThrow(/launchTemplateIds/);
    expect(() => input({ extra: 1 })).toThrow(/unknown field/);
  });
});
