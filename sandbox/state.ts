/** What the sandbox reports, read back from the emulator through the AWS APIs (never echoed from the workflows). */
import { DescribeImageAttributeCommand, DescribeImagesCommand, DescribeSnapshotsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeKeyCommand, KMSClient, ListGrantsCommand } from '@aws-sdk/client-kms';
import { clientConfig } from '../emulator/accounts';
import type { Emulator } from '../emulator/index';
import type { Organization } from '../local/organization';

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
    for (const image of owned) {
      const snapshotIds = (image.BlockDeviceMappings ?? []).flatMap((m) => (m.Ebs?.SnapshotId ? [m.Ebs.SnapshotId] : []));
      const snapshots = snapshotIds.length ? ((await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: snapshotIds }))).Snapshots ?? []) : [];
      const keyIds = [...new Set(snapshots.flatMap((s) => (s.Encrypted && s.KmsKeyId ? [s.KmsKeyId] : [])))];
      let manager: 'AWS' | 'NONE' | 'CUSTOMER' = keyIds.length ? 'CUSTOMER' : 'NONE';
      for (const keyId of keyIds) {
        const meta = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
        if (meta?.KeyManager === 'AWS') manager = 'AWS';
      }
      const attribute = await ec2.send(new DescribeImageAttributeCommand({ ImageId: image.ImageId!, Attribute: 'launchPermission' }));
      images.push({
        region,
        sourceImageId: image.ImageId!,
        sourceKeyManager: manager,
        remediatedImageId: null,
        snapshotKmsKeyIds: keyIds,
        launchPermissions: (attribute.LaunchPermissions ?? []).map((p) => p.UserId ?? p.OrganizationArn ?? p.OrganizationalUnitArn ?? p.Group ?? '?'),
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
