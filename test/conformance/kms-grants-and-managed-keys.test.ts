import {
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  KMSClient,
  ListGrantsCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { CENTRAL, MEMBER, failure, slrArn, useEmulator } from './support';

describe('KMS CreateGrant / ListGrants as the KMS API Reference documents them', () => {
  const emulator = useEmulator();
  let kms: KMSClient;
  let keyArn: string;

  beforeEach(async () => {
    await emulator.get().reset();
    kms = new KMSClient(emulator.config(CENTRAL));
    keyArn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
  });

  it('a retry with the same Name and parameters returns the original GrantId and creates no second grant', async () => {
    const input = { KeyId: keyArn, GranteePrincipal: slrArn(MEMBER), Operations: ['Decrypt', 'Encrypt'] as const, Name: 'amiwarden-asg' };

    const first = await kms.send(new CreateGrantCommand({ ...input, Operations: [...input.Operations] }));
    const retry = await kms.send(new CreateGrantCommand({ ...input, Operations: ['Encrypt', 'Decrypt'] }));
    const { Grants } = await kms.send(new ListGrantsCommand({ KeyId: keyArn }));

    expect(retry.GrantId).toBe(first.GrantId);
    expect(retry.GrantToken).toBeTruthy();
    expect(Grants).toHaveLength(1);
    expect(Grants![0]).toMatchObject({ Name: 'amiwarden-asg', KeyId: keyArn, Operations: ['Decrypt', 'Encrypt'] });
  });

  it('the same Name with different parameters is a new grant', async () => {
    await kms.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: slrArn(MEMBER), Operations: ['Decrypt'], Name: 'n' }));
    await kms.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: slrArn(MEMBER), Operations: ['Encrypt'], Name: 'n' }));

    expect((await kms.send(new ListGrantsCommand({ KeyId: keyArn }))).Grants).toHaveLength(2);
  });

  it('Operations outside the GrantOperation enum are a ValidationException', async () => {
    const error = await failure(
      kms.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: slrArn(MEMBER), Operations: ['Launch' as 'Decrypt'] })),
    );

    expect(error.name).toBe('ValidationException');
    expect((await kms.send(new ListGrantsCommand({ KeyId: keyArn }))).Grants).toEqual([]);
  });

  it('ListGrants honours the GranteePrincipal and GrantId filters', async () => {
    const a = await kms.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: slrArn(MEMBER), Operations: ['Decrypt'] }));
    await kms.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: slrArn(MEMBER, 'web'), Operations: ['Decrypt'] }));

    const byGrantee = await kms.send(new ListGrantsCommand({ KeyId: keyArn, GranteePrincipal: slrArn(MEMBER) }));
    const byId = await kms.send(new ListGrantsCommand({ KeyId: keyArn, GrantId: a.GrantId }));

    expect(byGrantee.Grants?.map((g) => g.GrantId)).toEqual([a.GrantId]);
    expect(byId.Grants?.map((g) => g.GranteePrincipal)).toEqual([slrArn(MEMBER)]);
  });

  it('CreateGrant on a Disabled key is DisabledException', async () => {
    await kms.send(new DisableKeyCommand({ KeyId: keyArn }));

    const error = await failure(kms.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: slrArn(MEMBER), Operations: ['Decrypt'] })));

    expect(error.name).toBe('DisabledException');
  });

  it('CreateGrant on a key pending deletion is KMSInvalidStateException', async () => {
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyArn, PendingWindowInDays: 7 }));

    const error = await failure(kms.send(new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: slrArn(MEMBER), Operations: ['Decrypt'] })));

    expect(error.name).toBe('KMSInvalidStateException');
    expect(error.message).toBe(`${keyArn} is pending deletion.`);
  });
});

describe('KMS: alias/aws/ebs is an AWS managed key', () => {
  const emulator = useEmulator();

  it('DescribeKey alias/aws/ebs reports KeyManager AWS and the documented description', async () => {
    await emulator.get().reset();
    const kms = new KMSClient(emulator.config(CENTRAL));

    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }));

    expect(KeyMetadata).toMatchObject({
      KeyManager: 'AWS',
      Description: 'Default key that protects my EBS volumes when no other key is defined',
      AWSAccountId: CENTRAL,
      KeyState: 'Enabled',
    });
  });

  it('customers cannot create an alias beginning with alias/aws/ (reserved for AWS managed keys)', async () => {
    const kms = new KMSClient(emulator.config(CENTRAL));
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));

    const error = await failure(kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/amiwarden', TargetKeyId: KeyMetadata!.KeyId })));

    expect(error.name).toBe('NotAuthorizedException');
    await expect(kms.send(new CreateAliasCommand({ AliasName: 'alias/amiwarden', TargetKeyId: KeyMetadata!.KeyId }))).resolves.toBeDefined();
  });
});
