/**
 * EC2 launch templates in the Lambda bundles (./client.ts): DescribeLaunchTemplateVersions, read
 * for what amiwarden uses: which template and version, and the image it launches. The SDK's
 * response schema for it (every field of an instance's configuration) is 24 KiB of a bundle;
 * adapters/launch-templates.ts is the one importer redirected here, the other EC2 calls keep the SDK.
 */
import { defaultEndpointResolver } from '@aws-sdk/client-ec2/dist-es/endpoint/endpointResolver';
import { LiteServiceClient, type LiteClientConfig } from './client';
import { QueryCommand } from './query';
import { at, child, children, fields, value, type XmlElement } from './xml';

const EC2 = { serviceId: 'EC2', signingName: 'ec2', endpoint: defaultEndpointResolver, uriEscapePath: true };

export class EC2Client extends LiteServiceClient {
  constructor(config: LiteClientConfig) {
    super(EC2, config);
  }
}

export interface DescribeLaunchTemplateVersionsInput {
  LaunchTemplateId?: string;
  LaunchTemplateName?: string;
  Versions?: string[];
  [other: string]: unknown;
}

/** A version as far as amiwarden reads it: which template, and the image it launches. */
export interface LaunchTemplateVersion {
  LaunchTemplateId?: string;
  LaunchTemplateName?: string;
  VersionNumber?: number;
  LaunchTemplateData?: { ImageId?: string };
}

export class DescribeLaunchTemplateVersionsCommand extends QueryCommand<DescribeLaunchTemplateVersionsInput, { LaunchTemplateVersions?: LaunchTemplateVersion[]; NextToken?: string }> {
  protected readonly action = 'DescribeLaunchTemplateVersions';
  protected readonly version = '2016-11-15';
  protected override resultOf(root: XmlElement): XmlElement {
    return root;
  }
  protected override params(): Record<string, unknown> {
    const { Versions, ...rest } = this.input;
    return { ...rest, ...Object.fromEntries((Versions ?? []).map((v, i) => [`LaunchTemplateVersion.${i + 1}`, v])) };
  }
  protected shape(root: XmlElement | undefined) {
    const versions = children(child(root, 'launchTemplateVersionSet'), 'item').map((item): LaunchTemplateVersion => {
      const f = fields(item, ['launchTemplateId', 'launchTemplateName', 'versionNumber'] as const);
      const imageId = value(at(item, 'launchTemplateData'), 'imageId');
      return {
        ...(f.launchTemplateId !== undefined ? { LaunchTemplateId: f.launchTemplateId } : {}),
        ...(f.launchTemplateName !== undefined ? { LaunchTemplateName: f.launchTemplateName } : {}),
        ...(f.versionNumber !== undefined ? { VersionNumber: Number(f.versionNumber) } : {}),
        LaunchTemplateData: imageId !== undefined ? { ImageId: imageId } : {},
      };
    });
    const next = value(root, 'nextToken');
    return { LaunchTemplateVersions: versions, ...(next ? { NextToken: next } : {}) };
  }
}
