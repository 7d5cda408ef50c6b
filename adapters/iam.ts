/** IAM in a member account: does a role exist (a launch path's service-linked role, a calling role), and creating a launch path's service-linked role. */
import { CreateServiceLinkedRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { ACCESS_DENIED_CODES, call, hasCode, type ClientSettings } from './aws';

export class IamAdapter {
  constructor(private readonly client: IAMClient) {}

  async roleExists(roleName: string): Promise<boolean> {
    try {
      await call('iam:GetRole', () => this.client.send(new GetRoleCommand({ RoleName: roleName })));
      return true;
    } catch (error) {
      if (hasCode(error, 'NoSuchEntity', 'NoSuchEntityException')) return false;
      throw error;
    }
  }

  /**
   * The role's ARN as IAM reports it (with its path), or null when the account has no such role or
   * the member role may not read it (the member stack does not name it in CallingRoleNames).
   */
  async roleArn(roleName: string): Promise<string | null> {
    try {
      const out = await call('iam:GetRole', () => this.client.send(new GetRoleCommand({ RoleName: roleName })));
      return out.Role?.Arn ?? null;
    } catch (error) {
      if (hasCode(error, 'NoSuchEntity', 'NoSuchEntityException', ...ACCESS_DENIED_CODES)) return null;
      throw error;
    }
  }

  /** Creates the service-linked role of a launch path (autoscaling, spot, spotfleet, ec2fleet .amazonaws.com). A role that already exists counts as created. */
  async createServiceLinkedRole(service: string, customSuffix?: string): Promise<void> {
    try {
      await call('iam:CreateServiceLinkedRole', () =>
        this.client.send(
          new CreateServiceLinkedRoleCommand({
            AWSServiceName: service,
            Description: 'Created by amiwarden so that its launches can use the organization key',
            ...(customSuffix ? { CustomSuffix: customSuffix } : {}),
          }),
        ),
      );
    } catch (error) {
      if (hasCode(error, 'InvalidInput') && /has been taken/i.test((error as Error).message)) return;
      throw error;
    }
  }
}

export const IAM = (settings: ClientSettings) => new IamAdapter(new IAMClient(settings));
