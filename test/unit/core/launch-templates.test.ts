/** Launch-template versions in opted-in member accounts: the configuration and the pure decision per template. */
import { loadConfig } from '../../../core/config';
import { launchTemplateAccounts, launchTemplateClientToken, launchTemplateDecision } from '../../../core/launch-templates';
import { TEST_ENV } from '../../fixtures/aws';

const config = (env: Record<string, string>) => loadConfig({ ...TEST_ENV, ...env });
const A = '111122223333';
const B = '444455556666';

describe('configuration', () => {
  it('is off by default: no template is named, no default version is set', () => {
    expect(config({}).launchTemplateUpdates).toEqual([]);
    expect(config({}).launchTemplateSetDefault).toBe(false);
  });

  it('names account:template-id pairs, grouped by account', () => {
    const c = config({ AMIWARDEN_LAUNCH_TEMPLATE_UPDATES: `${A}:lt-0123456789abcdef0, ${B}:lt-0fedcba9876543210,${A}:lt-0aaaaaaaaaaaaaaaa`, AMIWARDEN_LAUNCH_TEMPLATE_SET_DEFAULT: 'true' });
    expect(c.launchTemplateSetDefault).toBe(true);
    expect(launchTemplateAccounts(c)).toEqual([
      { account: A, launchTemplateIds: ['lt-0123456789abcdef0', 'lt-0aaaaaaaaaaaaaaaa'] },
      { account: B, launchTemplateIds: ['lt-0fedcba9876543210'] },
    ]);
  });

  it('refuses a template by name, a bad account, or the central account', () => {
    expect(() => config({ AMIWARDEN_LAUNCH_TEMPLATE_UPDATES: `${A}:web` })).toThrow(/AMIWARDEN_LAUNCH_TEMPLATE_UPDATES/);
    expect(() => config({ AMIWARDEN_LAUNCH_TEMPLATE_UPDATES: `1234:lt-0123456789abcdef0` })).toThrow(/AMIWARDEN_LAUNCH_TEMPLATE_UPDATES/);
    expect(() => config({ AMIWARDEN_LAUNCH_TEMPLATE_UPDATES: `${TEST_ENV.AMIWARDEN_CENTRAL_ACCOUNT_ID}:lt-0123456789abcdef0` })).toThrow(/central account/);
    expect(() => config({ AMIWARDEN_LAUNCH_TEMPLATE_SET_DEFAULT: 'yes' })).toThrow(/AMIWARDEN_LAUNCH_TEMPLATE_SET_DEFAULT/);
  });
});

describe('what happens to one template', () => {
  const previous = 'ami-0aaaaaaaaaaaaaaaa';
  const next = 'ami-0bbbbbbbbbbbbbbbb';
  it('gets a new version only when its latest version launches the family’s previous image', () => {
    expect(launchTemplateDecision({ latestImageId: previous, latestVersion: 3, defaultVersion: 3 }, previous, next, false)).toEqual({ action: 'create-version', sourceVersion: 3 });
    expect(launchTemplateDecision({ latestImageId: 'ami-0cccccccccccccccc', latestVersion: 3, defaultVersion: 3 }, previous, next, false)).toEqual({ action: 'leave', outcome: 'not-on-previous-image' });
    expect(launchTemplateDecision({ latestImageId: `resolve:ssm:arn:aws:ssm:us-east-1:999999999999:parameter/amiwarden/images/web`, latestVersion: 1, defaultVersion: 1 }, previous, next, false)).toEqual({
      action: 'leave',
      outcome: 'not-on-previous-image',
    });
    expect(launchTemplateDecision({ latestVersion: 1, defaultVersion: 1 }, previous, next, false)).toEqual({ action: 'leave', outcome: 'not-on-previous-image' });
  });

  it('is current once its latest version launches the new image; the default moves only when configured', () => {
    expect(launchTemplateDecision({ latestImageId: next, latestVersion: 4, defaultVersion: 3 }, previous, next, false)).toEqual({ action: 'leave', outcome: 'current' });
    expect(launchTemplateDecision({ latestImageId: next, latestVersion: 4, defaultVersion: 3 }, previous, next, true)).toEqual({ action: 'set-default', version: 4 });
    expect(launchTemplateDecision({ latestImageId: next, latestVersion: 4, defaultVersion: 4 }, previous, next, true)).toEqual({ action: 'leave', outcome: 'current' });
  });

  it('makes the same version request twice into one version (a client token of template, source version and image)', () => {
    const token = launchTemplateClientToken('lt-0123456789abcdef0', 3, next);
    expect(token).toBe(launchTemplateClientToken('lt-0123456789abcdef0', 3, next));
    expect(token).not.toBe(launchTemplateClientToken('lt-0123456789abcdef0', 4, next));
    expect(token.length).toBeLessThanOrEqual(128);
  });
});
