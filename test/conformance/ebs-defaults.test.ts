/** EC2 API Reference, GetEbsDefaultKmsKeyId / ModifyEbsDefaultKmsKeyId / ResetEbsDefaultKmsKeyId. */
import { EC2Client, GetEbsDefaultKmsKeyIdCommand, ModifyEbsDefaultKmsKeyIdCommand, ResetEbsDefaultKmsKeyIdCommand } from '@aws-sdk/client-ec2';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { useEmulator } from './support';

const emulator = useEmulator();

describe('the default EBS encryption key of an account and region', () => {
  it('is alias/aws/ebs until set, the key ARN once ModifyEbsDefaultKmsKeyId set it, and alias/aws/ebs again after a reset', async () => {
    const ec2 = new EC2Client(emulator.config('444444444444'));
    const kms = new KMSClient(emulator.config('444444444444'));

    expect((await ec2.send(new GetEbsDefaultKmsKeyIdCommand({}))).KmsKeyId).toBe('alias/aws/ebs');

    const key = (await kms.send(new CreateKeyCommand({ Description: 'organization key' }))).KeyMetadata!;
    const modified = await ec2.send(new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId: key.KeyId! }));
    expect(modified.KmsKeyId).toBe(key.Arn);
    expect((await ec2.send(new GetEbsDefaultKmsKeyIdCommand({}))).KmsKeyId).toBe(key.Arn);

    expect((await ec2.send(new ResetEbsDefaultKmsKeyIdCommand({}))).KmsKeyId).toBe('alias/aws/ebs');
    expect((await ec2.send(new GetEbsDefaultKmsKeyIdCommand({}))).KmsKeyId).toBe('alias/aws/ebs');
  });
});
