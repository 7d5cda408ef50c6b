import { asArray, loadFleetErrorPattern, loadLaunchFailurePattern, loadMemberTemplate, policyStatements, policyViolations, unconditionedServiceStatements, type JsonObject, type Statement, type Template } from './templates';

const GRANT_OPERATIONS = ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'DescribeKey', 'CreateGrant'];
const SLR_ARN = 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling*';
/** The EC2 launch paths' roles (core/launch-roles.ts): exact names, no suffix. */
const LAUNCH_ROLES = [
  'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot',
  'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/spotfleet.amazonaws.com/AWSServiceRoleForEC2SpotFleet',
  'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/ec2fleet.amazonaws.com/AWSServiceRoleForEC2Fleet',
];
const CENTRAL_KEYS = { Ref: 'CentralKeyArns' };

const CALLING_ROLE_CONDITIONS = ['ReadsCallingRoles', 'GrantsCallingRoles'];

describe('member/member-account.yml', () => {
  let template: Template;
  let memberStatements: Statement[];
  let conditional: Record<string, Statement>;
  let trust: Statement[];

  beforeAll(() => {
    template = loadMemberTemplate();
    const props = template.Resources.MemberRole!.Properties!;
    const all = asArray(props.Policies as JsonObject[]).flatMap((p) => asArray((p.PolicyDocument as JsonObject).Statement as unknown as (Statement | JsonObject)[]));
    // Statements deployed only under a condition (`Fn::If: [condition, statement, AWS::NoValue]`).
    conditional = Object.fromEntries(all.filter((s) => 'Fn::If' in s).map((s) => {
      const [condition, statement, otherwise] = (s as JsonObject)['Fn::If'] as [string, Statement, JsonObject];
      expect(otherwise).toEqual({ Ref: 'AWS::NoValue' });
      return [condition, statement];
    }));
    // The role's statements, a launch-template opt-in's counted as the statement it holds; the calling
    // roles' (their own test below) apart.
    memberStatements = all
      .filter((s) => !('Fn::If' in s) || !CALLING_ROLE_CONDITIONS.includes(((s as JsonObject)['Fn::If'] as [string])[0]))
      .map((s) => ('Fn::If' in s ? ((s as JsonObject)['Fn::If'] as unknown as Statement[])[1]! : s) as Statement);
    trust = asArray((props.AssumeRolePolicyDocument as JsonObject).Statement as unknown as Statement[]);
  });

  it('forwards exactly the launch-failure pattern of events/launch-failure.pattern.json', () => {
    const rule = template.Resources.ForwardLaunchFailuresRule!;
    expect(rule.Properties!.EventPattern).toEqual(loadLaunchFailurePattern());
    expect(rule.Properties!.EventBusName).toBe('default');
  });

  it('forwards exactly the fleet error pattern of events/fleet-error.pattern.json, to the same bus with the same role and dead-letter queue', () => {
    const fleets = template.Resources.ForwardFleetErrorsRule!.Properties!;
    expect(fleets.EventPattern).toEqual(loadFleetErrorPattern());
    expect(fleets.EventBusName).toBe('default');
    expect(fleets.Targets).toEqual(rule().Targets);
    const dlq = template.Resources.ForwardLaunchFailuresDeadLetterQueuePolicy!.Properties!.PolicyDocument as JsonObject;
    expect(JSON.stringify(dlq)).toContain('"ForwardFleetErrorsRule","Arn"');
  });

  it('forwards to the central bus with a role that may put events on that bus only', () => {
    const [target] = rule().Targets as JsonObject[];
    expect(target!.Arn).toEqual({ Ref: 'CentralEventBusArn' });
    expect(target!.RoleArn).toEqual({ 'Fn::GetAtt': ['ForwardLaunchFailuresRole', 'Arn'] });
    const statements = policyStatements(template).filter((s) => s.where.startsWith('ForwardLaunchFailuresRole.') && s.kind === 'identity');
    expect(statements.map((s) => [s.statement.Action, s.statement.Resource])).toEqual([['events:PutEvents', { Ref: 'CentralEventBusArn' }]]);
  });

  it('lets EventBridge act only for this account’s own rules: every service-principal statement names the account', () => {
    expect(unconditionedServiceStatements(policyStatements(template))).toEqual([]);
  });

  it('has no wildcard action, no unconditioned mutation on *, no open resource policy', () => {
    expect(policyViolations(policyStatements(template))).toEqual([]);
  });

  it('lets the member role do exactly the documented actions, nothing else', () => {
    const actions = memberStatements.flatMap((s) => asArray(s.Action)).sort();
    expect(actions).toEqual(
      [
        'autoscaling:DescribeAutoScalingGroups',
        'autoscaling:DescribeLaunchConfigurations',
        'autoscaling:DescribeScalingActivities',
        'ec2:DescribeLaunchTemplateVersions',
        'ec2:DescribeImages',
        'ec2:DescribeSnapshots',
        'ec2:GetEbsDefaultKmsKeyId',
        'ec2:GetAllowedImagesSettings',
        'eks:ListClusters',
        'eks:ListNodegroups',
        'eks:DescribeNodegroup',
        'ec2:DescribeSpotFleetRequests',
        'ec2:DescribeFleets',
        'iam:GetRole',
        'iam:CreateServiceLinkedRole',
        'iam:CreateServiceLinkedRole',
        'kms:DescribeKey',
        'kms:CreateGrant',
        // Only under the member's own opt-in (LaunchTemplateIds, AllowLaunchTemplateDefaultVersion).
        'ec2:CreateLaunchTemplateVersion',
        'ec2:ModifyLaunchTemplate',
      ].sort(),
    );
    expect(memberStatements.every((s) => s.Effect === 'Allow' && s.NotAction === undefined)).toBe(true);
  });

  it('lets the member role change launch templates only when the member names them, and only those', () => {
    const props = template.Resources.MemberRole!.Properties!;
    const raw = asArray(props.Policies as JsonObject[]).flatMap((p) => asArray((p.PolicyDocument as JsonObject).Statement as unknown as JsonObject[]));
    const optIn = raw.filter((s) => s['Fn::If']).map((s) => s['Fn::If'] as unknown as [string, Statement, JsonObject]).filter(([condition]) => !CALLING_ROLE_CONDITIONS.includes(condition));
    expect(optIn.map(([condition, s]) => [condition, s.Action])).toEqual([
      ['UpdateLaunchTemplates', 'ec2:CreateLaunchTemplateVersion'],
      ['SetLaunchTemplateDefaultVersion', 'ec2:ModifyLaunchTemplate'],
    ]);
    for (const [, s, otherwise] of optIn) {
      expect(otherwise).toEqual({ Ref: 'AWS::NoValue' });
      expect(JSON.stringify(s.Resource)).toContain('"Ref":"LaunchTemplateIds"');
      expect(s.Condition).toEqual({ StringEquals: { 'aws:ResourceAccount': { Ref: 'AWS::AccountId' } } });
    }
    expect((template.Parameters!.LaunchTemplateIds as JsonObject).Default).toBe('');
    expect((template.Parameters!.AllowLaunchTemplateDefaultVersion as JsonObject).Default).toBe('false');
  });

  it('uses the central keys only through their ARNs', () => {
    const kms = memberStatements.filter((s) => asArray(s.Action).some((a) => a.startsWith('kms:')));
    expect(kms.length).toBeGreaterThan(0);
    for (const statement of kms) expect(statement.Resource).toEqual(CENTRAL_KEYS);
  });

  it('creates grants only for the account’s launch service-linked roles, with only the launch operations', () => {
    const [createGrant, ...others] = memberStatements.filter((s) => asArray(s.Action).includes('kms:CreateGrant'));
    expect(others).toEqual([]);
    expect(asArray(createGrant!.Action)).toEqual(['kms:CreateGrant']);
    expect(createGrant!.Condition).toEqual({
      StringLike: { 'kms:GranteePrincipal': [SLR_ARN, ...LAUNCH_ROLES].map((arn) => ({ 'Fn::Sub': arn })) },
      'ForAllValues:StringEquals': { 'kms:GrantOperations': GRANT_OPERATIONS },
      Null: { 'kms:RetiringPrincipal': 'true' },
    });
  });

  it('creates only the launch paths’ service-linked roles, each only for its service, and reads only those roles', () => {
    const [create, createLaunch, ...others] = memberStatements.filter((s) => asArray(s.Action).includes('iam:CreateServiceLinkedRole'));
    expect(others).toEqual([]);
    expect(create!.Condition).toEqual({ StringEquals: { 'iam:AWSServiceName': 'autoscaling.amazonaws.com' } });
    expect(createLaunch!.Condition).toEqual({ StringEquals: { 'iam:AWSServiceName': ['spot.amazonaws.com', 'spotfleet.amazonaws.com', 'ec2fleet.amazonaws.com'] } });
    expect(createLaunch!.Resource).toEqual(LAUNCH_ROLES.map((arn) => ({ 'Fn::Sub': arn })));
    const [getRole] = memberStatements.filter((s) => asArray(s.Action).includes('iam:GetRole'));
    // The role's own ARN, and the path-less one IAM may check GetRole against while the role does not exist yet
    // (the answer must be NoSuchEntity, which the diagnosis reads as "missing", not AccessDenied).
    const pathless = (arn: string) => arn.replace(/role\/aws-service-role\/[a-z0-9.]+\//, 'role/');
    expect(getRole!.Resource).toEqual([SLR_ARN, pathless(SLR_ARN), ...LAUNCH_ROLES.flatMap((arn) => [arn, pathless(arn)])].map((arn) => ({ 'Fn::Sub': arn })));
  });

  it('reads and grants to calling roles only when the stack names them (empty by default), in its own account, with the launch operations', () => {
    expect(Object.keys(conditional).filter((c) => CALLING_ROLE_CONDITIONS.includes(c)).sort()).toEqual(['GrantsCallingRoles', 'ReadsCallingRoles']);
    expect(Object.keys(conditional).sort()).toEqual(['GrantsCallingRoles', 'ReadsCallingRoles', 'SetLaunchTemplateDefaultVersion', 'UpdateLaunchTemplates']);
    for (const name of ['CallingRoleNames', 'CallingRoleGrantNames']) expect((template.Parameters![name] as JsonObject).Default).toBe('');
    expect(template.Conditions!.GrantsCallingRoles).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'CallingRoleGrantNames' }, ''] }] });
    const read = conditional.ReadsCallingRoles!;
    expect([read.Sid, read.Action]).toEqual(['ReadConfiguredCallingRoles', 'iam:GetRole']);
    const grant = conditional.GrantsCallingRoles!;
    expect([grant.Sid, grant.Action, grant.Resource]).toEqual(['GrantCentralKeysToConfiguredCallingRolesOnly', 'kms:CreateGrant', CENTRAL_KEYS]);
    expect(grant.Condition!.StringLike).toEqual({ 'kms:GranteePrincipal': { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*' } });
    expect(grant.Condition!['ForAllValues:StringEquals']).toEqual({ 'kms:GrantOperations': GRANT_OPERATIONS });
    expect(grant.Condition!.Null).toEqual({ 'kms:RetiringPrincipal': 'true' });
    expect(Object.keys(grant.Condition!).sort()).toEqual(['ForAllValues:StringEquals', 'ForAllValues:StringLike', 'Null', 'StringLike']);
  });

  it('is trusted only by the central principals, with external id and organization conditions', () => {
    expect(trust).toHaveLength(1);
    const [statement] = trust;
    expect(statement!.Action).toBe('sts:AssumeRole');
    expect(statement!.Principal).toEqual({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${CentralAccountId}:root' } });
    expect(statement!.Condition).toEqual({
      ArnEquals: { 'aws:PrincipalArn': { Ref: 'CentralPrincipalArns' } },
      StringEquals: { 'sts:ExternalId': { Ref: 'ExternalId' }, 'aws:PrincipalOrgID': { Ref: 'OrganizationId' } },
    });
  });

  it('refuses a wildcard (or anything but a role ARN) in CentralPrincipalArns: ArnEquals would read it as a pattern', () => {
    const parameter = template.Parameters!.CentralPrincipalArns as JsonObject;
    expect(parameter.Type).toBe('CommaDelimitedList');
    // CloudFormation matches AllowedPattern against each value of a CommaDelimitedList, whole.
    const accepts = (value: string) => new RegExp(`^(?:${String(parameter.AllowedPattern)})$`).test(value);
    const central = ['diagnose', 'grant', 'grant-target', 'inspect-member'].map((name) => `arn:aws:iam::999999999999:role/amiwarden-prod-eu-west-1-${name}`);

    expect(central.map(accepts)).toEqual(central.map(() => true));
    expect(accepts('arn:aws-us-gov:iam::999999999999:role/team/amiwarden-prod-us-gov-west-1-grant')).toBe(true);
    for (const wide of ['*', 'arn:aws:iam::999999999999:role/*', 'arn:aws:iam::999999999999:role/amiwarden-*', 'arn:aws:iam::999999999999:role/amiwarden-prod-?', 'arn:aws:iam::*:role/amiwarden-prod-eu-west-1-grant', 'arn:aws:iam::999999999999:root', 'arn:aws:sts::999999999999:assumed-role/x/y', '']) {
      expect({ value: wide, accepted: accepts(wide) }).toEqual({ value: wide, accepted: false });
    }
  });

  it('keeps the external id out of the console and logs', () => {
    expect((template.Parameters!.ExternalId as JsonObject).NoEcho).toBe(true);
  });

  it('names the member role from its parameter and creates it in one Region only', () => {
    const role = template.Resources.MemberRole!;
    expect(role.Properties!.RoleName).toEqual({ Ref: 'MemberRoleName' });
    expect(role.Condition).toBe('CreateMemberRole');
    expect((template.Parameters!.MemberRoleName as JsonObject).Default).toBe('amiwarden-member');
  });

  it('outputs the member role and forwarding rule ARNs', () => {
    expect(Object.keys(template.Outputs ?? {})).toEqual(expect.arrayContaining(['MemberRoleArn', 'ForwardingRuleArn']));
  });

  function rule(): JsonObject {
    return template.Resources.ForwardLaunchFailuresRule!.Properties!;
  }
});
