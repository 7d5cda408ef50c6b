import { EC2Client, GetAllowedImagesSettingsCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { Ec2Adapter } from '../../adapters/ec2';

const refusal = (name: string) => Object.assign(new Error(`You are not authorized to perform this operation.`), { name, $fault: 'client', $metadata: { httpStatusCode: 403 } });

describe('Ec2Adapter.allowedImagesSettings', () => {
  const ec2 = mockClient(EC2Client);
  afterEach(() => ec2.reset());
  afterAll(() => ec2.restore());

  it('reads the state, every criterion’s image providers once, and who manages the setting', async () => {
    ec2.on(GetAllowedImagesSettingsCommand).resolves({
      State: 'enabled',
      ImageCriteria: [{ ImageProviders: ['amazon', '999999999999'] }, { ImageProviders: ['999999999999'] }],
      ManagedBy: 'declarative-policy',
    });
    expect(await new Ec2Adapter(new EC2Client({ region: 'us-east-1' })).allowedImagesSettings()).toEqual({
      state: 'enabled',
      imageProviders: ['amazon', '999999999999'],
      managedBy: 'declarative-policy',
    });
  });

  it('answers unknown (null), not an error, when a member stack from before this setting may not read it', async () => {
    ec2.on(GetAllowedImagesSettingsCommand).rejects(refusal('UnauthorizedOperation'));
    expect(await new Ec2Adapter(new EC2Client({ region: 'us-east-1' })).allowedImagesSettings()).toBeNull();
  });
});
