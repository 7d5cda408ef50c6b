/** What the sandbox reports, read back from the emulator through the AWS APIs (never echoed from the workflows). */
import { DescribeImageAttributeCommand, DescribeImagesCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import { clientConfig } from '../emulator/accounts';
import type { Emulator } from '../emulator/index';
import type { Organization } from '../local/organization';
import { COPY_TAG, SOURCE_TAG } from '../core/image';

export interface SandboxState {
  centralAccount: string;
  memberAccounts: string[];
  keyArns: Record<string, string>;
  images: {
    region: string;
    sourceImageId: string;
    sourceKeyManager: 'AWS' | 'NONE' | 'CUSTOMER';
    remediatedImageId: string | null;
    snapshotKmsKeyIds: string[];
    launchPermissions: string[];
  }[];
  grants: { account: string; keyArn: string; granteePrincipal: string; operations: string[]; name: string | null }[];
}

export async function readState(emulator: Emulator, org: Organization): Promise<SandboxState> {
  const images: SandboxState['images'] = [];
  const grants: SandboxState['grants'] = [];
  for (const [region, keyArn] of Object.entries(org.keyArns)) {
    const config = clientConfig(emulator, org.centralAccount, region);
    const ec2 = new EC2Client(config);
    const kms = new KMSClient(config);
    const owned = (await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }))).Images ?? [];
    const tag = (image: (typeof owned)[number], key: string) => image.Tags?.find((t) => t.Key === key)?.Value;
    const keysOf = async (image: (typeof owned)[number]) => {
      const snapshotIds = (image.BlockDeviceMappings ?? []).flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : []));
      const snapshots = snapshotIds.length ? ((await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: snapshotIds }))).Snapshots ?? []) : [];
      return snapshots.map((s) => (s.Encrypted && s.KmsKeyId ? s.KmsKeyId : 'unencrypted'));
    };
    // One row per source image; a copy amiwarden made is reported with its source.
    for (const image of owned.filter((i) => !tag(i, SOURCE_TAG))) {
      const sourceKeys = await keysOf(image);
      let manager: 'AWS' | 'NONE' | 'CUSTOMER' = sourceKeys.every((k) => k === 'unencrypted') ? 'NONE' : 'CUSTOMER';
      for (const keyId of new Set(sourceKeys.filter((k) => k !== 'unencrypted'))) {
        const meta = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
        if (meta?.KeyManager === 'AWS') manager = 'AWS';
      }
      const copyId = tag(image, COPY_TAG);
      const launched = (copyId && owned.find((i) => i.ImageId === copyId)) || image;
      const attribute = await ec2.send(new DescribeImageAttributeCommand({ ImageId: launched.ImageId!, Attribute: 'launchPermission' }));
      images.push({
        region,
        sourceImageId: image.ImageId!,
        sourceKeyManager: manager,
        remediatedImageId: launched === image ? null : launched.ImageId!,
        snapshotKmsKeyIds: [...new Set(launched === image ? sourceKeys : await keysOf(launched))].filter((k) => k !== 'unencrypted'),
        launchPermissions: (attribute.LaunchPermissions ?? []).map((p) => p.UserId ?? p.OrganizationArn ?? p.OrganizationalUnitArn ?? p.Group ?? '?').sort(),
      });
    }
    const listed = (await kms.send(new ListGrantsCommand({ KeyId: keyArn }))).Grants ?? [];
    for (const g of listed) {
      grants.push({
        account: /:iam::(\d{12}):/.exec(g.GranteePrincipal ?? '')?.[1] ?? 'unknown',
        keyArn,
        granteePrincipal: g.GranteePrincipal ?? '',
        operations: [...(g.Operations ?? [])],
        name: g.Name ?? null,
      });
    }
  }
  return { centralAccount: org.centralAccount, memberAccounts: org.members.map((m) => m.account), keyArns: org.keyArns, images, grants };
}
