/**
 * The grant to a calling role (services/key-access.ts grantCallingRoleKeyAccess): only a role of
 * that account named in AMIWARDEN_CALLING_ROLE_GRANTS, refused before any AWS call otherwise; the
 * role re-read from IAM right before the grant, and no grant when IAM names another role or none.
 */
import { GetRoleCommand, NoSuchEntityException } from '@aws-sdk/client-iam';
import { CreateGrantCommand } from '@aws-sdk/client-kms';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { loadConfig } from '../../../core/config';
import { InvalidInputError } from '../../../core/errors';
import { MemberSessions } from '../../../adapters/sts';
import { awsContext } from '../../../services/aws-context';
import { grantCallingRoleKeyAccess } from '../../../services/key-access';
import { CMK_ARN, MEMBER, REGION, TEST_ENV, mockWorld } from '../../fixtures/aws';

const KARPENTER = `arn:aws:iam::${MEMBER}:role/KarpenterController-prod`;
const config = loadConfig({ ...TEST_ENV, AMIWARDEN_CALLING_ROLE_GRANTS: 'KarpenterController-prod' });
const input = (roleArn = KARPENTER) => ({ account: MEMBER, region: REGION, roleArn, grants: [{ keyArn: CMK_ARN, granteePrincipal: roleArn }] });

describe('a grant to a calling role', () => {
  let world: ReturnType<typeof mockWorld>;
  afterEach(() => world.reset());

  it('is created from the member account for the configured role IAM names', async () => {
    world = mockWorld();
    world.iam.on(GetRoleCommand).resolves({ Role: { RoleName: 'KarpenterController-prod', Path: '/', Arn: KARPENTER, RoleId: 'AROAKARPENTER', CreateDate: new Date() } });

    const outcome = await grantCallingRoleKeyAccess(input(), config, awsContext(config, new MemberSessions(config, 'test')));

    expect(outcome).toMatchObject({ outcome: 'granted', serviceLinkedRoleCreated: false, grants: [{ keyArn: CMK_ARN, granteePrincipal: KARPENTER, name: `amiwarden:${MEMBER}:KarpenterController-prod`, created: true }] });
    const real = world.kms.commandCalls(CreateGrantCommand).filter((c) => c.args[0].input.DryRun !== true);
    expect(real.map((c) => c.args[0].input.GranteePrincipal)).toEqual([KARPENTER]);
  });

  it.each([
    ['a role the setting does not name', `arn:aws:iam::${MEMBER}:role/admin`, config],
    ['the named role, not configured for grants (the default)', KARPENTER, loadConfig(TEST_ENV)],
    ['the named role of another account', 'arn:aws:iam::222222222222:role/KarpenterController-prod', config],
  ])('refuses %s before any AWS call', async (_label, roleArn, cfg) => {
    world = mockWorld();

    await expect(grantCallingRoleKeyAccess({ ...input(roleArn), account: MEMBER }, cfg, awsContext(cfg, new MemberSessions(cfg, 'test')))).rejects.toThrow(InvalidInputError);
    expect(world.sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
    expect(world.kms.commandCalls(CreateGrantCommand)).toHaveLength(0);
  });

  it('makes no grant when IAM no longer has the role, or has it under another path', async () => {
    world = mockWorld();
    world.iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'The role with name KarpenterController-prod cannot be found.', $metadata: { httpStatusCode: 404 } }));
    const gone = await grantCallingRoleKeyAccess(input(), config, awsContext(config, new MemberSessions(config, 'test')));
    expect(gone).toMatchObject({ outcome: 'grantee-missing', grants: [] });

    world.iam.on(GetRoleCommand).resolves({ Role: { RoleName: 'KarpenterController-prod', Path: '/other/', Arn: `arn:aws:iam::${MEMBER}:role/other/KarpenterController-prod`, RoleId: 'AROAOTHER', CreateDate: new Date() } });
    const moved = await grantCallingRoleKeyAccess(input(), config, awsContext(config, new MemberSessions(config, 'test')));
    expect(moved.outcome).toBe('grantee-missing');
    expect(moved.finding).toContain('other/KarpenterController-prod');
    expect(world.kms.commandCalls(CreateGrantCommand)).toHaveLength(0);
  });
});
