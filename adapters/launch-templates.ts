/**
 * EC2 launch templates: which image a launch template version launches, for one group (the
 * diagnosis) or for all of an account's groups (the sweep). Apart from ./ec2.ts and ./inventory.ts
 * so that only the functions that read launch templates bundle DescribeLaunchTemplateVersions (the
 * SDK's response schema, every field of an instance's configuration, is 24 KiB of a bundle; the
 * Lambda bundles read it with bundling/aws-lite/ec2-launch-templates.ts).
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

  /**
   * The image of every launch template version the groups use. `$Default` and `$Latest` of all
   * templates come in one paged call each; only pinned version numbers cost a call per template.
   */
  async launchTemplateImages(refs: LaunchTemplateRef[]): Promise<Map<string, string>> {
    const images = new Map<string, string>();
    const keyOf = (idOrName: string, version: string) => `${idOrName}@${version}`;
    const record = (v: { LaunchTemplateId?: string; LaunchTemplateName?: string; LaunchTemplateData?: { ImageId?: string } }, version: string) => {
      const image = v.LaunchTemplateData?.ImageId;
      if (!image) return;
      if (v.LaunchTemplateId) images.set(keyOf(v.LaunchTemplateId, version), image);
      if (v.LaunchTemplateName) images.set(keyOf(v.LaunchTemplateName, version), image);
    };
    for (const version of ['$Default', '$Latest']) {
      if (!refs.some((r) => (r.version ?? '$Default') === version)) continue;
      let token: string | undefined;
      do {
        const out = await call('ec2:DescribeLaunchTemplateVersions', () =>
          this.client.send(new DescribeLaunchTemplateVersionsCommand({ Versions: [version], MaxResults: 200, ...(token ? { NextToken: token } : {}) })),
        );
        for (const v of out.LaunchTemplateVersions ?? []) record(v, version);
        token = out.NextToken;
      } while (token);
    }
    for (const ref of refs) {
      const version = ref.version ?? '$Default';
      if (version.startsWith('$') || images.has(keyOf(ref.launchTemplateId ?? ref.launchTemplateName ?? '', version))) continue;
      const out = await call('ec2:DescribeLaunchTemplateVersions', () =>
        this.client.send(
          new DescribeLaunchTemplateVersionsCommand({
            ...(ref.launchTemplateId ? { LaunchTemplateId: ref.launchTemplateId } : { LaunchTemplateName: ref.launchTemplateName }),
            Versions: [version],
          }),
        ),
      );
      for (const v of out.LaunchTemplateVersions ?? []) record(v, version);
    }
    return new Map([...images].map(([k, v]) => [k, v]));
  }
}

export const launchTemplates = (settings: ClientSettings) => new LaunchTemplatesAdapter(new EC2Client(settings));
