/** AWS Organizations API Reference: InviteAccountToOrganization, AcceptHandshake, then the account is a member. */
import {
  AcceptHandshakeCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  DescribeAccountCommand,
  InviteAccountToOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  ListAccountsForParentCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { failure, useEmulator } from './support';

const emulator = useEmulator();

describe('inviting an existing account into an organization', () => {
  it('makes the account a member, with its own id, once it accepts; it can then be moved into an OU', async () => {
    const management = new OrganizationsClient(emulator.config('888888888888'));
    const invited = new OrganizationsClient(emulator.config('121212121212'));
    const org = (await management.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }))).Organization!;

    const { Handshake } = await management.send(new InviteAccountToOrganizationCommand({ Target: { Id: '121212121212', Type: 'ACCOUNT' } }));
    expect(Handshake).toMatchObject({ State: 'OPEN', Action: 'INVITE' });
    expect((await failure(management.send(new DescribeAccountCommand({ AccountId: '121212121212' })))).name).toBe('AccountNotFoundException');

    const accepted = await invited.send(new AcceptHandshakeCommand({ HandshakeId: Handshake!.Id! }));
    expect(accepted.Handshake!.State).toBe('ACCEPTED');
    const account = (await management.send(new DescribeAccountCommand({ AccountId: '121212121212' }))).Account!;
    expect(account).toMatchObject({ Id: '121212121212', Status: 'ACTIVE', JoinedMethod: 'INVITED' });
    expect(account.Arn).toBe(`arn:aws:organizations::888888888888:account/${org.Id}/121212121212`);

    const root = (await management.send(new ListRootsCommand({}))).Roots![0]!;
    const ou = (await management.send(new CreateOrganizationalUnitCommand({ ParentId: root.Id!, Name: 'workloads' }))).OrganizationalUnit!;
    await management.send(new MoveAccountCommand({ AccountId: '121212121212', SourceParentId: root.Id!, DestinationParentId: ou.Id! }));
    expect((await management.send(new ListAccountsForParentCommand({ ParentId: ou.Id! }))).Accounts!.map((a) => a.Id)).toEqual(['121212121212']);
  });

  it('lets only the invited account accept, and only once', async () => {
    const management = new OrganizationsClient(emulator.config('898989898989'));
    await management.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const { Handshake } = await management.send(new InviteAccountToOrganizationCommand({ Target: { Id: '131313131313', Type: 'ACCOUNT' } }));

    const stranger = new OrganizationsClient(emulator.config('141414141414'));
    expect((await failure(stranger.send(new AcceptHandshakeCommand({ HandshakeId: Handshake!.Id! })))).name).toBe('ConstraintViolationException');
    const invited = new OrganizationsClient(emulator.config('131313131313'));
    await invited.send(new AcceptHandshakeCommand({ HandshakeId: Handshake!.Id! }));
    expect((await failure(invited.send(new AcceptHandshakeCommand({ HandshakeId: Handshake!.Id! })))).name).toBe('InvalidInputException');
  });
});
