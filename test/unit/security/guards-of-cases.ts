/**
 * The guard of every matrix case (support/guards.ts), by case name: what its decision rests on in
 * the deployed policies. iam-matrix.test.ts removes it and expects the decision to flip; a case
 * without an entry here fails. Kept apart from cases.ts so that a case and the proof that it can
 * fail are read side by side without renumbering either.
 */
import type { Guard } from './support/guards';
import { CENTRAL, MEMBER_A } from './support/world';

const MEMBER = `member/${MEMBER_A}`;
const FORWARDER = `forwarder/${MEMBER_A}`;
const ORIGINAL = 'central/original-image';

const drop = (policy: string, statement: string): Guard => ({ policy, statement, remove: 'statement' });
const unless = (policy: string, statement: string, key: string): Guard => ({ policy, statement, remove: 'condition', key });
const widen = (policy: string, statement: string, what: 'action' | 'resource' | 'principal'): Guard => ({ policy, statement, widen: what });

const MEMBER_GRANT = 'GrantCentralKeysToAutoScalingServiceLinkedRoleOnly';
const KEY_GRANT = 'AllowOrganizationAccountsToGrantAutoScaling';
const KEY_USE = 'AllowOrganizationAccountsToUseTheKey';
const TRUST = 'TrustAmiwardenCentralRolesOnly';
const COPY_KMS = 'UseKeysOnlyThroughEc2ForTheCopy';
const TAG_SCP = 'scp/reserve-amiwarden-tag-keys';
const RESERVE_TAGS = 'ReserveAmiwardenTagKeysToAmiwarden';
const KEEP_ORIGINALS = 'KeepOriginalsTooLargeForTheFailureQueue';
const PUBLISH = 'central/publish-image';
const LT_VERSION = 'CreateVersionsOfOptedInLaunchTemplatesOnly';
const LT_DEFAULT = 'SetDefaultVersionOfOptedInLaunchTemplatesOnly';

export const GUARDS: Record<string, Guard[]> = {
  // --- The member role creates the Auto Scaling grant -------------------------------------------
  'member role grants the central key to its own Auto Scaling SLR': [drop(MEMBER, MEMBER_GRANT)],
  'member role grants to its custom-suffix Auto Scaling SLR': [drop(MEMBER, MEMBER_GRANT)],
  'member role grants a subset of the operations': [drop(MEMBER, MEMBER_GRANT)],
  'member role cannot add RetireGrant to the operations': [unless(MEMBER, MEMBER_GRANT, 'kms:GrantOperations'), unless('key-policy', KEY_GRANT, 'kms:GrantOperations')],
  'member role cannot grant GenerateDataKeyPair even where the key policy trusts its account': [unless(MEMBER, MEMBER_GRANT, 'kms:GrantOperations')],
  'member role cannot grant to another account’s Auto Scaling SLR': [unless(MEMBER, MEMBER_GRANT, 'kms:GranteePrincipal')],
  'member role cannot grant to an arbitrary role of its account': [unless(MEMBER, MEMBER_GRANT, 'kms:GranteePrincipal')],
  'member role cannot grant to a look-alike role outside the service-role path': [unless(MEMBER, MEMBER_GRANT, 'kms:GranteePrincipal')],
  'member role grants the central key to its own EC2 Spot SLR': [drop(MEMBER, MEMBER_GRANT)],
  'member role grants the central key to its own Spot Fleet SLR': [drop(MEMBER, MEMBER_GRANT)],
  'member role grants the central key to its own EC2 Fleet SLR': [drop(MEMBER, MEMBER_GRANT)],
  'member role cannot grant to a path-less EC2 Fleet look-alike': [unless(MEMBER, MEMBER_GRANT, 'kms:GranteePrincipal')],
  'member role cannot grant to another account’s Spot Fleet SLR': [unless(MEMBER, MEMBER_GRANT, 'kms:GranteePrincipal')],
  'member role cannot grant on a central key that is not configured': [widen(MEMBER, MEMBER_GRANT, 'resource')],
  'member role cannot decrypt with the central key': [widen(MEMBER, 'ReadCentralKeys', 'action'), unless('key-policy', KEY_USE, 'kms:ViaService')],
  'member role cannot encrypt with the central key': [widen(MEMBER, 'ReadCentralKeys', 'action'), unless('key-policy', KEY_USE, 'kms:ViaService')],
  'member role’s ListGrants on the central key is refused by the recommended key policy': [widen('key-policy', 'EnableIamPoliciesOfTheKeyAccount', 'principal'), widen(MEMBER, 'ReadCentralKeys', 'action')],
  'member role creates the Auto Scaling SLR': [drop(MEMBER, 'CreateAutoScalingServiceLinkedRoleOnly')],
  'member role cannot create another service’s SLR': [
    unless(MEMBER, 'CreateAutoScalingServiceLinkedRoleOnly', 'iam:AWSServiceName'),
    widen(MEMBER, 'CreateAutoScalingServiceLinkedRoleOnly', 'resource'),
  ],
  'member role creates the EC2 Fleet SLR': [drop(MEMBER, 'CreateEc2LaunchServiceLinkedRolesOnly')],
  'member role cannot create an EC2 launch SLR for another service': [unless(MEMBER, 'CreateEc2LaunchServiceLinkedRolesOnly', 'iam:AWSServiceName')],
  'member role reads an EKS node group and its health': [drop(MEMBER, 'ReadEksNodegroups')],
  'member role cannot change an EKS node group': [widen(MEMBER, 'ReadEksNodegroups', 'action')],
  'member role cannot attach policies to roles': [widen(MEMBER, 'ReadAutoScalingAndImages', 'action')],
  'member role grants the central key to a calling role the member stack names': [drop(MEMBER, 'GrantCentralKeysToConfiguredCallingRolesOnly')],
  'member role grants to a named calling role under a path': [drop(MEMBER, 'GrantCentralKeysToConfiguredCallingRolesOnly')],
  'member role cannot grant to a calling role when the member stack names none': [{ parameters: { CallingRoleGrantNames: 'KarpenterController-prod' } }],
  'member role cannot grant to a role the member stack does not name, calling roles configured': [unless(MEMBER, 'GrantCentralKeysToConfiguredCallingRolesOnly', 'kms:GranteePrincipal')],
  'member role cannot grant to a named calling role of another account': [unless(MEMBER, 'GrantCentralKeysToConfiguredCallingRolesOnly', 'kms:GranteePrincipal')],
  'member role reads a calling role the member stack names': [drop(MEMBER, 'ReadConfiguredCallingRoles')],
  'member role cannot read a role the member stack does not name': [widen(MEMBER, 'ReadConfiguredCallingRoles', 'resource')],

  // --- Who may assume the member role -----------------------------------------------------------
  'central diagnose role assumes the member role with the external id': [drop('member-trust', TRUST)],
  'central grant role assumes the member role with the external id': [drop('member-trust', TRUST)],
  'central grant-target role assumes the member role with the external id': [drop('member-trust', TRUST)],
  'central inspect-member role assumes the member role with the external id': [drop('member-trust', TRUST)],
  'a central role cannot assume the member role with a wrong external id': [unless('member-trust', TRUST, 'sts:ExternalId')],
  'a central role cannot assume the member role without an external id': [unless('member-trust', TRUST, 'sts:ExternalId')],
  'an arbitrary central role cannot assume the member role, even as an administrator': [unless('member-trust', TRUST, 'aws:PrincipalArn')],
  'the copy-image role cannot assume the member role': [widen('central/copy-image', 'FindSourcesAndCopies', 'action'), unless('member-trust', TRUST, 'aws:PrincipalArn')],
  'a principal outside the organization cannot assume the member role': [
    widen('member-trust', TRUST, 'principal'),
    unless('member-trust', TRUST, 'aws:PrincipalArn'),
    unless('member-trust', TRUST, 'aws:PrincipalOrgID'),
  ],
  'the diagnose role cannot assume the member role once the central account is outside the organization': [unless('member-trust', TRUST, 'aws:PrincipalOrgID')],
  'a function role cannot assume any other role of a member account': [widen('central/diagnose', 'AssumeMemberRoleInOrganization', 'resource')],
  'a function role cannot assume a role named amiwarden-member outside the organization': [unless('central/grant', 'AssumeMemberRoleInOrganization', 'aws:ResourceOrgID')],

  // --- Central functions ------------------------------------------------------------------------
  'the copy function uses the CMK through EC2': [drop('central/copy-image', COPY_KMS)],
  'the copy function lets EC2 create its grant on the CMK': [drop('central/copy-image', COPY_KMS)],
  'the copy function cannot decrypt with the CMK directly': [unless('central/copy-image', COPY_KMS, 'kms:ViaService')],
  'the recommended key policy lets no principal decrypt outside EC2, the copy function included': [unless('key-policy', KEY_USE, 'kms:ViaService')],
  'the copy function cannot use the CMK through another service': [unless('central/copy-image', COPY_KMS, 'kms:ViaService')],
  'the copy function cannot encrypt with the CMK, even via EC2': [widen('central/copy-image', COPY_KMS, 'action')],
  'the verify function lists grants on the configured key': [drop('central/verify', 'ListGrantsOnConfiguredKeys')],
  'the verify function cannot kms:CreateGrant': [widen('central/verify', 'ListGrantsOnConfiguredKeys', 'action')],
  'the verify function cannot kms:RevokeGrant': [widen('central/verify', 'ListGrantsOnConfiguredKeys', 'action')],
  'the verify function cannot kms:Decrypt': [widen('central/verify', 'ListGrantsOnConfiguredKeys', 'action')],
  'the verify function cannot list grants of a key that is not configured': [widen('central/verify', 'ListGrantsOnConfiguredKeys', 'resource')],
  'the central grant function cannot create the grant itself': [widen('central/grant', 'ListGrantsOnConfiguredKeys', 'action')],
  'the share function adds launch permissions to a central image': [drop('central/share-image', 'ShareOwnImages')],
  'the share function cannot change an image another account owns': [unless('central/share-image', 'ShareOwnImages', 'ec2:Owner')],
  'IAM does not stop the share function from making a central image public': [drop('central/share-image', 'ShareOwnImages')],
  'no function can share or publish a snapshot': [widen('central/share-image', 'ReadLaunchPermissions', 'action')],
  'the copy-image function cannot change launch permissions': [widen('central/copy-image', 'FindSourcesAndCopies', 'action')],
  'the inspect-image function cannot change launch permissions': [widen('central/inspect-image', 'ReadCentralImages', 'action')],
  'the original-image function cannot change launch permissions': [widen('central/original-image', 'ReadImagesAndLaunchPermissions', 'action')],
  'the grant-target function cannot change launch permissions': [widen('central/grant-target', 'ListGrantsOnConfiguredKeys', 'action'), widen('central/grant-target', 'ListGrantsOnConfiguredKeys', 'resource')],
  'the diagnose function cannot change launch permissions': [widen('central/diagnose', 'ReadCentralImages', 'action')],
  'the sweep inspector writes its inventory under inventories/<run>/members/': [drop('central/inspect-member', 'WriteMemberInventories')],
  'the sweep inspector cannot overwrite a central inventory': [widen('central/inspect-member', 'WriteMemberInventories', 'resource')],
  'the sweep inspector cannot rewrite the plan’s targets': [widen('central/inspect-member', 'WriteMemberInventories', 'resource')],
  'the central-image inspector cannot write outside inventories/<run>/central/': [widen('central/inspect-central', 'WriteCentralInventories', 'resource')],
  'the sweep inspector cannot delete inventories': [widen('central/inspect-member', 'WriteMemberInventories', 'action')],
  'the sweep inspector cannot write to another bucket': [widen('central/inspect-member', 'WriteMemberInventories', 'resource')],
  'the report writer publishes sweeps/latest.json': [drop('central/sweep-report', 'PublishReports')],
  'the report writer cannot rewrite an inventory': [widen('central/sweep-report', 'PublishReports', 'resource')],
  'the report writer writes the findings of its run as it finds them': [drop('central/sweep-report', 'WriteRemediationListAndFindings')],
  'the report writer aborts a report upload that failed': [drop('central/sweep-report', 'AbortFailedUploads')],
  'the report writer cannot rewrite the planned targets': [widen('central/sweep-report', 'WriteRemediationListAndFindings', 'resource')],
  'the sweep state machine reads the targets (ItemReader)': [drop('central/sweep-sm', 'ReadMapItems')],
  'the sweep state machine writes Map results (ResultWriter) under map-results/ only': [drop('central/sweep-sm', 'WriteMapResults')],
  'the sweep state machine cannot publish a report': [widen('central/sweep-sm', 'WriteMapResults', 'resource')],
  'the sweep state machine cannot read the published reports': [widen('central/sweep-sm', 'ReadMapItems', 'resource')],
  // Issue 20 item 12: the inspectors write inventories, never the published reports.
  'the inspect-member role cannot overwrite sweeps/latest.json': [widen('central/inspect-member', 'WriteMemberInventories', 'resource')],
  "the inspect-member role cannot overwrite a run's published report": [widen('central/inspect-member', 'WriteMemberInventories', 'resource')],
  'the inspect-central role cannot overwrite sweeps/latest.json': [widen('central/inspect-central', 'WriteCentralInventories', 'resource')],
  "the inspect-central role cannot overwrite a run's published report": [widen('central/inspect-central', 'WriteCentralInventories', 'resource')],
  'the plan-sweep role cannot overwrite sweeps/latest.json': [widen('central/plan-sweep', 'WriteSweepTargetsAndScope', 'resource')],
  "the plan-sweep role cannot overwrite a run's published report": [widen('central/plan-sweep', 'WriteSweepTargetsAndScope', 'resource')],
  'nobody writes a sweep report over plain HTTP': [drop('report-bucket', 'DenyInsecureTransport')],
  'the sweep state machine starts a launch-failure remediation': [drop('central/sweep-sm', 'RunDistributedMapAndStartRemediations')],
  'the sweep state machine cannot start another state machine': [widen('central/sweep-sm', 'RunDistributedMapAndStartRemediations', 'resource')],
  'the launch-failure state machine cannot invoke the copy function': [widen('central/LaunchFailureStateMachineRole', 'InvokeLaunchFailureFunctions', 'resource')],

  // --- Events -----------------------------------------------------------------------------------
  'a member’s forwarding rule puts launch failures on the central bus': [drop('central-bus', 'AllowPutEventsFromOrganization')],
  'a member’s forwarding rule puts fleet errors on the central bus': [drop('central-bus', 'AllowPutEventsFromOrganization')],
  'a principal outside the organization cannot put events on the central bus': [unless('central-bus', 'AllowPutEventsFromOrganization', 'aws:PrincipalOrgID')],
  'a member’s forwarding role cannot put events on any other bus': [widen(FORWARDER, '#0', 'resource')],
  'EventBridge assumes a member’s forwarding role for that account’s rule': [drop(`trust:${FORWARDER}`, '#0')],
  'EventBridge cannot assume a member’s forwarding role for another account’s rule': [unless(`trust:${FORWARDER}`, '#0', 'aws:SourceAccount')],
  'Step Functions cannot assume the sweep state machine role for another account': [unless('trust:central/sweep-sm', '#0', 'aws:SourceAccount'), unless('trust:central/sweep-sm', '#0', 'aws:SourceArn')],

  // --- The recommended key policy on its own ----------------------------------------------------
  'key policy: any principal of a member account may create its own SLR grant': [drop('key-policy', KEY_GRANT)],
  'key policy: a member account cannot grant the key to an arbitrary role': [unless('key-policy', KEY_GRANT, 'kms:GranteePrincipal')],
  'key policy: a member account cannot grant the key to another account’s SLR': [unless('key-policy', KEY_GRANT, 'kms:GranteePrincipal')],
  'key policy: a member account cannot grant extra operations': [unless('key-policy', KEY_GRANT, 'kms:GrantOperations')],
  'key policy: an account outside the organization cannot create any grant': [unless('key-policy', KEY_GRANT, 'aws:PrincipalOrgID')],
  'key policy: member accounts may use the key for their own launches, through EC2': [drop('key-policy', KEY_USE)],
  'key policy: a member principal cannot decrypt directly, outside EC2': [unless('key-policy', KEY_USE, 'kms:ViaService')],
  'key policy: an account outside the organization cannot use the key': [unless('key-policy', KEY_USE, 'aws:PrincipalOrgID')],
  'member role cannot retire grants on the central key, even where the key policy trusts its account': [widen(MEMBER, 'ReadCentralKeys', 'action')],

  // --- The original-image role ----------------------------------------------------------------
  'under the default configuration (keep) the original-image role cannot deregister a central image': [{ parameters: { OriginalImagePolicy: 'deregister' } }],
  'under the default configuration the original-image role cannot deprecate a central image': [{ parameters: { OriginalImagePolicy: 'deprecate' } }],
  'under the default configuration the original-image role cannot delete a central snapshot': [{ parameters: { OriginalImagePolicy: 'deregister', DeleteOriginalSnapshots: 'true' } }],
  'with originalImagePolicy=deprecate the original-image role deprecates a source linked to its copy': [drop(ORIGINAL, 'DeprecateOriginalsAmiwardenCopied')],
  'with originalImagePolicy=deprecate the original-image role cannot deregister': [{ parameters: { OriginalImagePolicy: 'deregister' } }],
  'with originalImagePolicy=deregister the original-image role deregisters a source linked to its copy': [drop(ORIGINAL, 'DeregisterOriginalsAmiwardenCopied')],
  'with originalImagePolicy=deregister the original-image role cannot deregister an image amiwarden has not copied': [
    unless(ORIGINAL, 'DeregisterOriginalsAmiwardenCopied', 'aws:ResourceTag/amiwarden:copy-image-id'),
  ],
  'with originalImagePolicy=deregister the original-image role cannot deregister another account’s image': [unless(ORIGINAL, 'DeregisterOriginalsAmiwardenCopied', 'ec2:Owner')],
  'with originalImagePolicy=deregister but no deleteSnapshots the original-image role cannot delete a snapshot': [{ parameters: { DeleteOriginalSnapshots: 'true' } }],
  'with deregister and deleteSnapshots the original-image role deletes a snapshot of a source linked to its copy': [drop(ORIGINAL, 'DeleteSnapshotsOfOriginalsAmiwardenCopied')],
  'with deregister and deleteSnapshots the original-image role cannot delete a snapshot amiwarden has not linked': [
    unless(ORIGINAL, 'DeleteSnapshotsOfOriginalsAmiwardenCopied', 'aws:ResourceTag/amiwarden:copy-image-id'),
  ],

  // --- Copy and share ---------------------------------------------------------------------------
  'the share function cannot change an image attribute other than its launch permissions': [unless('central/share-image', 'ShareOwnImages', 'ec2:Attribute')],
  'the copy function copies a central image': [drop('central/copy-image', 'CopyOwnImages')],
  'the copy function cannot copy an image another account owns': [unless('central/copy-image', 'CopyOwnImages', 'ec2:Owner')],
  'the copy function links a central source and its snapshots to the copy': [drop('central/copy-image', 'LinkTheSourceToItsCopy')],
  'the copy function cannot tag an image another account owns': [unless('central/copy-image', 'LinkTheSourceToItsCopy', 'ec2:Owner')],
  'the copy function cannot tag a central image with anything but the link': [unless('central/copy-image', 'LinkTheSourceToItsCopy', 'aws:TagKeys')],

  // --- The central bus --------------------------------------------------------------------------
  'an administrator of a member account cannot put events on the central bus': [unless('central-bus', 'AllowPutEventsFromOrganization', 'aws:PrincipalArn')],
  'a member’s forwarding role cannot put events of another source on the central bus': [unless('central-bus', 'AllowPutEventsFromOrganization', 'events:source')],
  'a member’s forwarding role cannot put events of another detail type on the central bus': [unless('central-bus', 'AllowPutEventsFromOrganization', 'events:detail-type')],

  // --- Service principals -----------------------------------------------------------------------
  ...Object.fromEntries(
    (['diagnose', 'copy-image', 'original-image', 'inspect-member'] as const).flatMap((role) => [
      [`Lambda assumes the ${role} role for a function of the central account`, [drop(`trust:central/${role}`, '#0')]],
      [`Lambda cannot assume the ${role} role for another account`, [unless(`trust:central/${role}`, '#0', 'aws:SourceAccount')]],
    ]),
  ),
  'Step Functions assumes the re-encrypt state machine role for that state machine': [drop('trust:central/ReencryptAndShareStateMachineRole', '#0')],
  'Step Functions cannot assume the re-encrypt state machine role for another state machine of the account': [unless('trust:central/ReencryptAndShareStateMachineRole', '#0', 'aws:SourceArn')],
  'Step Functions cannot assume the launch-failure state machine role for another state machine of the account': [unless('trust:central/LaunchFailureStateMachineRole', '#0', 'aws:SourceArn')],
  ...Object.fromEntries(
    (
      [
        ['LaunchFailureEventToStepFunctionsRole', 'amiwarden-dev/amiwarden-launch-failure-dev'],
        ['ReencryptAndShareEventToStepFunctionsRole', 'amiwarden-new-image-dev'],
        ['ComplianceSweepScheduleToStepFunctionsRole', 'amiwarden-compliance-sweep-dev'],
      ] as const
    ).flatMap(([role, rule]) => [
      [`EventBridge assumes ${role} for its rule ${rule}`, [drop(`trust:central/${role}`, '#0')]],
      [`EventBridge cannot assume ${role} for another rule of the account`, [unless(`trust:central/${role}`, '#0', 'aws:SourceArn')]],
    ]),
  ),
  'CloudWatch uses the alerts key for an alarm of the central account': [drop('alerts-key', 'AllowAlarmsToEncryptAlerts')],
  'CloudWatch cannot use the alerts key for another account’s alarm': [unless('alerts-key', 'AllowAlarmsToEncryptAlerts', 'aws:SourceAccount'), unless('alerts-key', 'AllowAlarmsToEncryptAlerts', 'aws:SourceArn')],
  'EventBridge uses the alerts key for the execution-failed rule of the central account': [drop('alerts-key', 'AllowAlertPublishersToEncrypt')],
  'EventBridge cannot use the alerts key for another account’s rule': [unless('alerts-key', 'AllowAlertPublishersToEncrypt', 'aws:SourceAccount'), unless('alerts-key', 'AllowAlertPublishersToEncrypt', 'aws:SourceArn')],
  'EventBridge uses the alerts key when the request names no source': [drop('alerts-key', 'AllowAlertPublishersToEncrypt')],

  // --- Retiring principal -----------------------------------------------------------------------
  'member role cannot name a retiring principal in the Auto Scaling grant': [unless(MEMBER, MEMBER_GRANT, 'kms:RetiringPrincipal')],
  'key policy: a member account cannot name a retiring principal in its grant': [unless('key-policy', KEY_GRANT, 'kms:RetiringPrincipal')],

  // --- Organization membership ------------------------------------------------------------------
  'the diagnose role asks Organizations whether an account is a member before it assumes a role there': [drop('central/diagnose', 'CheckAccountsAreOrganizationMembers')],
  'the diagnose role cannot describe accounts of another organization': [widen('central/diagnose', 'CheckAccountsAreOrganizationMembers', 'resource')],

  // --- Grant health (the repair role) -----------------------------------------------------------
  'central repair-grants role assumes the member role with the external id': [drop('member-trust', TRUST)],
  'by default (staleGrantPolicy keep) the repair function cannot revoke a grant on the configured key': [{ parameters: { StaleGrantPolicy: 'revoke' } }],
  'the repair function lists grants on the configured key': [drop('central/repair-grants', 'ListGrantsOnConfiguredKeys')],
  'the repair function cannot kms:CreateGrant on the configured key itself': [widen('central/repair-grants', 'ListGrantsOnConfiguredKeys', 'action')],
  'the repair function cannot kms:RetireGrant on the configured key itself': [widen('central/repair-grants', 'ListGrantsOnConfiguredKeys', 'action')],
  'the repair function cannot kms:Decrypt on the configured key itself': [widen('central/repair-grants', 'ListGrantsOnConfiguredKeys', 'action')],
  'the member role cannot kms:RevokeGrant on the central key': [widen(MEMBER, 'ReadCentralKeys', 'action'), widen('key-policy', 'EnableIamPoliciesOfTheKeyAccount', 'principal')],
  'the member role cannot kms:RetireGrant on the central key': [widen(MEMBER, 'ReadCentralKeys', 'action'), widen('key-policy', 'EnableIamPoliciesOfTheKeyAccount', 'principal')],

  // --- The recommended SCP that reserves the amiwarden:* tag keys (docs/policies) ----------------
  'without the recommended SCP, a central administrator may tag an image amiwarden:source-image-id': [drop(`admin/${CENTRAL}`, 'Administrator')],
  'the recommended SCP refuses amiwarden:* tags to anyone but the copy role': [drop(TAG_SCP, RESERVE_TAGS)],
  'the recommended SCP refuses removing an amiwarden:* tag': [drop(TAG_SCP, RESERVE_TAGS)],
  'the recommended SCP leaves other tags alone': [unless(TAG_SCP, RESERVE_TAGS, 'aws:TagKeys')],
  'the recommended SCP lets the copy role link a source to its copy': [drop('central/copy-image', 'LinkTheSourceToItsCopy')],
  'the recommended SCP lets the copy role tag the copy as CopyImage makes it': [drop('central/copy-image', 'TagTheCopyAsItIsMade')],

  // --- record-failure keeps large originals under failures/ -------------------------------------
  'record-failure keeps an original event too large for the failure queue under failures/': [drop('central/record-failure', KEEP_ORIGINALS)],
  'record-failure cannot overwrite a sweep report': [widen('central/record-failure', KEEP_ORIGINALS, 'resource')],
  'record-failure cannot read or delete the originals it kept': [widen('central/record-failure', KEEP_ORIGINALS, 'action')],
  'record-failure cannot read the originals back': [widen('central/record-failure', KEEP_ORIGINALS, 'action')],
  'the sweep inspector cannot write under failures/': [widen('central/inspect-member', 'WriteMemberInventories', 'resource')],

  // --- Security Hub export (packaged with securityHub=true) --------------------------------------
  'the sweep report writer imports findings into the central account’s own product': [drop('central/sweep-report', 'ImportIntoOwnProduct')],
  'the diagnosis imports findings into the central account’s own product': [drop('central/diagnose', 'ImportIntoOwnProduct')],
  'the report writer cannot import findings as another product': [widen('central/sweep-report', 'ImportIntoOwnProduct', 'resource')],
  'the report writer resolves findings in the central account’s hub': [drop('central/sweep-report', 'ReadAndResolveOwnHubFindings')],
  'no other function can import findings': [widen('central/inspect-image', 'ReadCentralImages', 'action')],
  'the publish function cannot resolve findings': [widen(PUBLISH, 'KeepImagePointers', 'action'), widen(PUBLISH, 'KeepImagePointers', 'resource')],

  // --- Image pointers: the publish function -------------------------------------------------------
  'the publish function sets an image pointer under its prefix': [drop(PUBLISH, 'KeepImagePointers')],
  'the publish function cannot write any other parameter': [widen(PUBLISH, 'KeepImagePointers', 'resource')],
  'the publish function cannot write a parameter of another account': [widen(PUBLISH, 'KeepImagePointers', 'resource')],
  'no other function can move an image pointer': [widen('central/share-image', 'ReadLaunchPermissions', 'action')],
  'the publish function creates a resource share of a pointer': [drop(PUBLISH, 'SharePointersOnly')],
  'the publish function cannot share another resource type through RAM': [unless(PUBLISH, 'SharePointersOnly', 'ram:RequestedResourceType'), unless(PUBLISH, 'SharePointersOnly', 'ram:ResourceArn')],
  'the publish function cannot share a parameter outside the pointer prefix': [unless(PUBLISH, 'SharePointersOnly', 'ram:ResourceArn')],
  'the publish function adds to the pointer share': [drop(PUBLISH, 'AddToThePointerShareOnly')],
  'the publish function cannot add to another share': [unless(PUBLISH, 'AddToThePointerShareOnly', 'ram:ResourceShareName')],
  'the publish function deprecates a central copy': [drop(PUBLISH, 'CarryDeprecationToOwnCopies')],
  'the publish function cannot deprecate an image another account owns': [unless(PUBLISH, 'CarryDeprecationToOwnCopies', 'ec2:Owner')],
  'the publish function cannot change launch permissions': [widen(PUBLISH, 'ReadCentralImages', 'action')],
  'the publish function reads the ancestry of a central image': [drop(PUBLISH, 'ReadCentralImages')],

  // --- Launch-template versions in opted-in member accounts -------------------------------------
  'an opted-in member role creates a version of a launch template it names': [drop(MEMBER, LT_VERSION)],
  'an opted-in member role cannot create a version of a launch template it does not name': [widen(MEMBER, LT_VERSION, 'resource')],
  'a member role that did not opt in cannot create launch template versions': [{ memberParameters: { LaunchTemplateIds: ['lt-0a1b2c3d4e5f60718'] } }],
  'an opted-in member role sets the default version when the member allows it': [drop(MEMBER, LT_DEFAULT)],
  'an opted-in member role cannot set the default version unless the member allows it': [{ memberParameters: { AllowLaunchTemplateDefaultVersion: 'true' } }],
  'an opted-in member role cannot delete the launch templates it names': [widen(MEMBER, LT_VERSION, 'action')],
  'the update-launch-templates function cannot change a member’s launch template itself': [
    widen('central/update-launch-templates', 'ListGrantsOnConfiguredKeys', 'action'),
    widen('central/update-launch-templates', 'ListGrantsOnConfiguredKeys', 'resource'),
  ],
};
