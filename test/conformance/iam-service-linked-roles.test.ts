/**
 * IAM CreateServiceLinkedRole for a service-linked role that already exists (IAM API Reference,
 * CreateServiceLinkedRole, errors): `InvalidInput` (the SDK's InvalidInputException) "Service role name … has been taken in this
 * account, please try a different suffix." — moto answers EntityAlreadyExists.
 */
import { CreateServiceLinkedRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { MEMBER, failure, useEmulator } from './support';

describe('IAM CreateServiceLinkedRole', () => {
  const emulator = useEmulator();

  beforeEach(async () => {
    await emulator.get().reset();
  });

  it.each([
    ['the default Auto Scaling role', undefined, 'AWSServiceRoleForAutoScaling'],
    ['a role with a custom suffix', 'apps', 'AWSServiceRoleForAutoScaling_apps'],
  ])('refuses %s that exists already with InvalidInput, as IAM does', async (_label, suffix, name) => {
    const iam = new IAMClient(emulator.config(MEMBER));
    const input = { AWSServiceName: 'autoscaling.amazonaws.com', ...(suffix ? { CustomSuffix: suffix } : {}) };
    await iam.send(new CreateServiceLinkedRoleCommand(input));

    const error = await failure(iam.send(new CreateServiceLinkedRoleCommand(input)));

    expect(error.name).toBe('InvalidInputException');
    expect(error.message).toBe(`Service role name ${name} has been taken in this account, please try a different suffix.`);
  });
});
