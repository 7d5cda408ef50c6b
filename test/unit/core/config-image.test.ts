import { loadConfig } from '../../../core/config';

const base = { AMIWARDEN_CENTRAL_ACCOUNT_ID: '999999999999', AMIWARDEN_KMS_KEY_ARNS: 'us-east-1=arn:aws:kms:us-east-1:999999999999:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' };

describe('loadConfig: re-encrypt and share settings', () => {
  it('keeps the original, deletes nothing and waits three hours by default', () => {
    expect(loadConfig(base)).toMatchObject({ originalImagePolicy: 'keep', deprecateAfterDays: 30, deleteSnapshots: false, imageWaitMinutes: 180 });
  });

  it('reads deprecate / deregister with their options', () => {
    expect(loadConfig({ ...base, AMIWARDEN_ORIGINAL_IMAGE_POLICY: 'deprecate', AMIWARDEN_DEPRECATE_AFTER_DAYS: '7' })).toMatchObject({ originalImagePolicy: 'deprecate', deprecateAfterDays: 7 });
    expect(loadConfig({ ...base, AMIWARDEN_ORIGINAL_IMAGE_POLICY: 'deregister', AMIWARDEN_DELETE_SNAPSHOTS: 'true' })).toMatchObject({ originalImagePolicy: 'deregister', deleteSnapshots: true });
  });

  it.each([
    ['AMIWARDEN_ORIGINAL_IMAGE_POLICY', 'delete'],
    ['AMIWARDEN_DEPRECATE_AFTER_DAYS', '0'],
    ['AMIWARDEN_DEPRECATE_AFTER_DAYS', '30d'],
    ['AMIWARDEN_DELETE_SNAPSHOTS', 'yes'],
    ['AMIWARDEN_IMAGE_WAIT_MINUTES', '5000'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(expect.objectContaining({ name: 'ConfigurationError', setting: name }));
  });
});
