import { loadConfig } from '../../../core/config';
import { ConfigurationError } from '../../../core/errors';

const KEY = 'arn:aws:kms:us-east-1:999999999999:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const KEY_EU = 'arn:aws:kms:eu-west-1:999999999999:key/mrk-0123456789abcdef0123456789abcdef';
const base = { AMIWARDEN_CENTRAL_ACCOUNT_ID: '999999999999', AMIWARDEN_KMS_KEY_ARNS: `us-east-1=${KEY}` };

function failure(env: Record<string, string>): ConfigurationError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('loadConfig', () => {
  it('reads a minimal configuration with safe defaults', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      centralAccountId: '999999999999',
      partition: 'aws',
      regions: ['us-east-1'],
      memberRoleName: 'amiwarden-member',
      createServiceLinkedRole: false,
      mode: 'report',
      shareTargets: [],
    });
    expect(config.keys['us-east-1']?.arn).toBe(KEY);
    expect(config.memberExternalId).toBeUndefined();
  });

  it('takes each Region of AMIWARDEN_REGIONS once, in its order (a Region named twice would be swept twice)', () => {
    expect(loadConfig({ ...base, AMIWARDEN_REGIONS: 'eu-west-1, us-east-1,eu-west-1,us-east-1' }).regions).toEqual(['eu-west-1', 'us-east-1']);
  });

  it('takes keys per region as region=arn pairs or as JSON, multi-region keys included', () => {
    const pairs = loadConfig({ ...base, AMIWARDEN_KMS_KEY_ARNS: `us-east-1=${KEY}, eu-west-1=${KEY_EU}` });
    const json = loadConfig({ ...base, AMIWARDEN_KMS_KEY_ARNS: JSON.stringify({ 'us-east-1': KEY, 'eu-west-1': KEY_EU }) });
    expect(pairs.keys).toEqual(json.keys);
    expect(pairs.regions).toEqual(['us-east-1', 'eu-west-1']);
    expect(pairs.keys['eu-west-1']?.multiRegion).toBe(true);
  });

  it.each([
    [{ AMIWARDEN_CENTRAL_ACCOUNT_ID: '' }, 'AMIWARDEN_CENTRAL_ACCOUNT_ID', /required/],
    [{ AMIWARDEN_CENTRAL_ACCOUNT_ID: '12345' }, 'AMIWARDEN_CENTRAL_ACCOUNT_ID', /12-digit/],
    [{ AMIWARDEN_KMS_KEY_ARNS: 'us-east-1=alias/amiwarden' }, 'AMIWARDEN_KMS_KEY_ARNS', /full key ARN/],
    [{ AMIWARDEN_KMS_KEY_ARNS: `eu-west-1=${KEY}` }, 'AMIWARDEN_KMS_KEY_ARNS', /is in us-east-1/],
    [{ AMIWARDEN_KMS_KEY_ARNS: KEY.replace('999999999999', '111111111111').replace(/^/, 'us-east-1=') }, 'AMIWARDEN_KMS_KEY_ARNS', /not owned by the central account/],
    [{ AMIWARDEN_KMS_KEY_ARNS: '{not json' }, 'AMIWARDEN_KMS_KEY_ARNS', /not valid JSON/],
    [{ AMIWARDEN_REGIONS: 'us-east-1,mars-1' }, 'AMIWARDEN_REGIONS', /not a region/],
    [{ AMIWARDEN_MEMBER_ROLE_NAME: 'bad role!' }, 'AMIWARDEN_MEMBER_ROLE_NAME', /IAM role name/],
    [{ AMIWARDEN_MEMBER_EXTERNAL_ID: 'x' }, 'AMIWARDEN_MEMBER_EXTERNAL_ID', /2-1224/],
    [{ AMIWARDEN_MODE: 'fix-everything' }, 'AMIWARDEN_MODE', /report.*enforce/],
    [{ AMIWARDEN_CREATE_SERVICE_LINKED_ROLE: 'yes' }, 'AMIWARDEN_CREATE_SERVICE_LINKED_ROLE', /true.*false/],
    [{ AMIWARDEN_SHARE_TARGETS: 'all' }, 'AMIWARDEN_SHARE_TARGETS', /public sharing is never allowed/],
    [{ AMIWARDEN_ORGANIZATION_ID: 'org-1' }, 'AMIWARDEN_ORGANIZATION_ID', /organization id/],
  ])('refuses %j, naming %s', (override, setting, problem) => {
    const error = failure({ ...base, ...override });
    expect(error.setting).toBe(setting);
    expect(error.message).toMatch(problem);
    expect(error.message).toContain(setting);
    expect(error.name).toBe('ConfigurationError');
  });

  it('accepts account, OU and organization share targets', () => {
    const targets = '111111111111,arn:aws:organizations::999999999999:ou/o-a1b2c3d4e5/ou-ab12-cd34ef56,arn:aws:organizations::999999999999:organization/o-a1b2c3d4e5';
    expect(loadConfig({ ...base, AMIWARDEN_SHARE_TARGETS: targets }).shareTargets).toHaveLength(3);
  });
});
