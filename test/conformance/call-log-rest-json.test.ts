/**
 * The call log names the operations of RAM and Security Hub, REST-JSON APIs whose requests carry
 * neither an X-Amz-Target nor an Action parameter (emulator/amiwarden_emulator/middleware.py): the
 * read-only lists (emulator/read-only.ts) must tell a read from a write there too.
 */
import { GetResourceSharesCommand, RAMClient } from '@aws-sdk/client-ram';
import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { isReadOnly } from '../../emulator/read-only';
import { CENTRAL, useEmulator } from './support';

describe('the call log of REST-JSON services', () => {
  const emulator = useEmulator();

  beforeEach(async () => emulator.get().reset());

  it('names RAM GetResourceShares and Security Hub GetFindings by their operation, which the read-only lists know', async () => {
    await new RAMClient(emulator.config(CENTRAL)).send(new GetResourceSharesCommand({ resourceOwner: 'SELF' }));
    await new SecurityHubClient(emulator.config(CENTRAL)).send(new GetFindingsCommand({})).catch(() => undefined);

    const calls = (await emulator.get().calls()).filter((c) => c.service === 'ram' || c.service === 'securityhub');

    expect(calls.map((c) => `${c.service}:${c.action}`)).toEqual(['ram:GetResourceShares', 'securityhub:GetFindings']);
    expect(calls.every(isReadOnly)).toBe(true);
  });
});
