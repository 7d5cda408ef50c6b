import { firstResult, resultsOf } from '../../../../core/checks';
import { allowedImagesAuditCentral } from '../../../../core/checks/allowed-images-audit-central';
import { allowedImagesBlockCentral } from '../../../../core/checks/allowed-images-block-central';
import { CENTRAL } from '../../../fixtures/aws';
import { launchWorld } from './world';

describe('check allowed-images-block-central', () => {
  it('finds a member whose enabled Allowed AMIs does not name the central account, with the criterion to add', () => {
    const facts = { ...launchWorld(), allowedImages: { state: 'enabled' as const, imageProviders: ['amazon'], managedBy: 'account' as const } };
    const [result] = resultsOf(allowedImagesBlockCentral, facts);
    expect(result).toMatchObject({ id: 'allowed-images-block-central', status: 'finding', severity: 'high' });
    expect(result!.fix).toContain(`ImageProviders=amazon,${CENTRAL}`);
  });

  it('points at the declarative policy when the organization manages the setting', () => {
    const facts = { ...launchWorld(), allowedImages: { state: 'enabled' as const, imageProviders: [], managedBy: 'declarative-policy' as const } };
    expect(resultsOf(allowedImagesBlockCentral, facts)[0]!.fix).toMatch(/declarative policy/);
  });

  it.each([
    ['disabled', { state: 'disabled' as const, imageProviders: [], managedBy: 'account' as const }],
    ['in audit mode', { state: 'audit-mode' as const, imageProviders: [], managedBy: 'account' as const }],
    ['enabled with the central account', { state: 'enabled' as const, imageProviders: ['amazon', CENTRAL], managedBy: 'account' as const }],
  ])('finds nothing when Allowed AMIs is %s', (_label, allowedImages) => {
    expect(resultsOf(allowedImagesBlockCentral, { ...launchWorld(), allowedImages })).toEqual([]);
  });

  it('is weighed before the grant: no grant helps an image the account may not see', () => {
    const facts = { ...launchWorld(), allowedImages: { state: 'enabled' as const, imageProviders: ['amazon'], managedBy: 'account' as const } };
    expect(firstResult('launcher', 'diagnosis', facts)?.id).toBe('allowed-images-block-central');
  });
});

describe('check allowed-images-audit-central', () => {
  it('warns of audit mode without the central account, not of one with it', () => {
    const base = launchWorld();
    expect(resultsOf(allowedImagesAuditCentral, { ...base, allowedImages: { state: 'audit-mode', imageProviders: ['amazon'], managedBy: 'account' } })[0]).toMatchObject({ severity: 'low' });
    expect(resultsOf(allowedImagesAuditCentral, { ...base, allowedImages: { state: 'audit-mode', imageProviders: [CENTRAL], managedBy: 'account' } })).toEqual([]);
  });
});
