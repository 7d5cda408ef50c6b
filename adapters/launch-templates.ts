/**
 * EC2 launch templates: which image a launch template version launches. Apart from ./ec2.ts so that
 * only the functions that read launch templates bundle DescribeLaunchTemplateVersions (its response
 * schema, every field of an instance's configuration, is 24 KiB of a bundle).
 */
import { DescribeLaunchTemplateVersionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { call, hasCode, type ClientSettings } from './aws';
import type { LaunchTemplateRef } from './autoscaling';

export class LaunchTemplatesAdapter {
  constructor(private readonly client: EC2Client) {}

  /** The image a launch template version launches. `$Default` unless the group pins a version. */
  async launchTemplateImage(ref: LaunchTemplateRef): Promise<string | undefined> {
    try {
      const out = await call('ec2:DescribeLaunchTemplateVersions', () =>
        this.client.send(
          new DescribeLaunchTemplateVersionsCommand({
            ...(ref.launchTemplateId ? { LaunchTemplateId: ref.launchTemplateId } : { LaunchTemplateName: ref.launchTemplateName }),
            Versions: [ref.version ?? '$Default'],
          }),
        ),
      );
      return out.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.ImageId;
    } catch (error) {
      if (hasCode(error, 'InvalidLaunchTemplateId.NotFound', 'InvalidLaunchTemplateName.NotFoundException', 'InvalidLaunchTemplateId.VersionNotFound')) {
        return undefined;
      }
      throw error;
    }
  }
}

export const launchTemplates = (settings: ClientSettings) => new LaunchTemplatesAdapter(new EC2Client(settings));
