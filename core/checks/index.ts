/**
 * The catalogue: every check, in the order a diagnosis weighs them (most fundamental first).
 * A diagnosis takes the first launcher result; a sweep reports the first launcher result of each
 * launcher and every result of the other scopes.
 */
import { factPermissions } from './facts';
import { allowedImagesAuditCentral } from './allowed-images-audit-central';
import { allowedImagesBlockCentral } from './allowed-images-block-central';
import { accountMissingGrant } from './account-missing-grant';
import { amiAwsManagedKey } from './ami-aws-managed-key';
import { amiForeignCmk } from './ami-foreign-cmk';
import { amiNoKeyForRegion } from './ami-no-key-for-region';
import { amiNotShared } from './ami-not-shared';
import { amiUnencrypted } from './ami-unencrypted';
import { asgNotFound } from './asg-not-found';
import { asgRecentKmsLaunchFailures } from './asg-recent-kms-launch-failures';
import { callingRoleKeyAccess } from './calling-role-key-access';
import { nodegroupLaunchFailures } from './nodegroup-launch-failures';
import { awsManagedKeyAmi } from './aws-managed-key-ami';
import { defaultEbsKeyAwsManaged } from './default-ebs-key-aws-managed';
import { grantDead } from './grant-dead';
import { grantDuplicate } from './grant-duplicate';
import { grantIncomplete } from './grant-incomplete';
import { grantOutOfScope } from './grant-out-of-scope';
import { grantPresent } from './grant-present';
import { grantRefused } from './grant-refused';
import { imageNotFound } from './image-not-found';
import { keyDisabledOrPendingDeletion } from './key-disabled-or-pending-deletion';
import { keyPolicyBlocksGrant } from './key-policy-blocks-grant';
import { keyGrantQuota } from './key-grant-quota';
import { keyPolicyBlocksMemberGrants } from './key-policy-blocks-member-grants';
import { memberInspectionFailed } from './member-inspection-failed';
import { memberPolicyBlocksGrant } from './member-policy-blocks-grant';
import { memberRoleUnavailable } from './member-role-unavailable';
import { missingGrant } from './missing-grant';
import { notAKmsFailure } from './not-a-kms-failure';
import { organizationPolicyBlocksGrant } from './organization-policy-blocks-grant';
import { serviceLinkedRoleMissing } from './service-linked-role-missing';
import { unmanagedKey } from './unmanaged-key';
import type { AnyCheck, Check, CheckResult, FactsByScope, Permission, Scope } from './types';

export const CATALOGUE: readonly AnyCheck[] = [
  // One launcher: the first result is its diagnosis (and its sweep row).
  notAKmsFailure,
  memberRoleUnavailable,
  asgNotFound,
  allowedImagesBlockCentral,
  imageNotFound,
  awsManagedKeyAmi,
  keyDisabledOrPendingDeletion,
  unmanagedKey,
  grantPresent,
  callingRoleKeyAccess,
  serviceLinkedRoleMissing,
  keyPolicyBlocksGrant,
  organizationPolicyBlocksGrant,
  memberPolicyBlocksGrant,
  grantRefused,
  missingGrant,
  // One member account in one Region: every result.
  memberInspectionFailed,
  asgRecentKmsLaunchFailures,
  nodegroupLaunchFailures,
  defaultEbsKeyAwsManaged,
  allowedImagesAuditCentral,
  accountMissingGrant,
  // The central account's images and keys: every result.
  amiAwsManagedKey,
  amiUnencrypted,
  amiForeignCmk,
  amiNoKeyForRegion,
  amiNotShared,
  keyPolicyBlocksMemberGrants,
  // The grants on the organization key (docs/grant-health.md): every result.
  grantOutOfScope,
  grantDead,
  grantIncomplete,
  grantDuplicate,
  keyGrantQuota,
];

export type Run = 'diagnosis' | 'sweep';

export function checksOf<S extends Scope>(scope: S, run: Run): Check<S>[] {
  return CATALOGUE.filter((c): c is Check<S> & AnyCheck => c.scope === scope && c.runs.includes(run)) as Check<S>[];
}

/** The first result of the scope's checks, in catalogue order. */
export function firstResult<S extends Scope>(scope: S, run: Run, facts: FactsByScope[S]): CheckResult | null {
  for (const check of checksOf(scope, run)) {
    const result = asList(check.evaluate(facts))[0];
    if (result) return result;
  }
  return null;
}

/** Every result of the scope's checks. */
export function allResults<S extends Scope>(scope: S, run: Run, facts: FactsByScope[S]): CheckResult[] {
  return checksOf(scope, run).flatMap((check) => asList(check.evaluate(facts)));
}

/** A check's results as a list (none, one, or one per resource). */
export function resultsOf<S extends Scope>(check: Check<S>, facts: FactsByScope[S]): CheckResult[] {
  return asList(check.evaluate(facts));
}

const asList = (r: CheckResult | CheckResult[] | null): CheckResult[] => (r === null ? [] : Array.isArray(r) ? r : [r]);

/** The facts a run of the scope must gather: the union of its checks' declarations. */
export function factsNeeded(scope: Scope, run: Run) {
  return [...new Set(checksOf(scope, run).flatMap((c) => c.facts))];
}

/** Every IAM action a check needs: its facts' reads and its fix. */
export function checkPermissions(check: AnyCheck): Permission[] {
  const bySide = new Map<Permission['as'], Set<string>>();
  for (const p of [...factPermissions(check.facts), ...check.fixPermissions]) {
    const set = bySide.get(p.as) ?? new Set<string>();
    p.actions.forEach((a) => set.add(a));
    bySide.set(p.as, set);
  }
  return [...bySide].map(([as, actions]) => ({ as, actions: [...actions].sort() }));
}

export const checkById = (id: string): AnyCheck | undefined => CATALOGUE.find((c) => c.id === id);

export { looksLikeKmsFailure } from './kms-symptoms';
export type { AnyCheck, Check, CheckResult, FactsByScope, Permission, Scope } from './types';
