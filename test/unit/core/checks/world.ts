/** A member launch that works but for the grant: each test says how its world differs. */
import type { LaunchFacts } from '../../../../core/checks/types';
import { ASG, CENTRAL, CMK_ARN, IMAGE_ID, MEMBER, REGION, SNAPSHOT_ID, slrArn } from '../../../fixtures/aws';

export function launchWorld(): LaunchFacts {
  return {
    account: MEMBER,
    region: REGION,
    partition: 'aws',
    centralAccountId: CENTRAL,
    memberRole: { available: true },
    trigger: 'manual',
    dryRun: false,
    launcher: { kind: 'auto-scaling-group', name: ASG, found: true, principal: { arn: slrArn(), kind: 'service-linked-role', exists: true } },
    images: [{ imageId: IMAGE_ID, found: true, ownerId: CENTRAL, snapshots: [{ snapshotId: SNAPSHOT_ID, encrypted: true, kmsKeyId: CMK_ARN }] }],
    keys: [{ keyArn: CMK_ARN, found: true, keyManager: 'CUSTOMER', keyState: 'Enabled', managed: true, grantPresent: false, policy: { verdict: 'allowed', reasons: [] } }],
    createServiceLinkedRole: false,
  };
}
