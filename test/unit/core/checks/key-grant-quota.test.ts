import { resultsOf } from '../../../../core/checks';
import { keyGrantQuota } from '../../../../core/checks/key-grant-quota';
import { CMK_ARN } from '../../../fixtures/aws';
import { keyWorld } from './grant-world';

describe('check key-grant-quota', () => {
  it('is a finding from 80 % of the quota, with the count and the trend since the previous sweep', () => {
    const world = { ...keyWorld([]), grantCount: 41_000 };
    world.grantHealth!.history = [{ at: '2026-03-10T00:00:00.000Z', count: 40_000 }];
    const [result] = resultsOf(keyGrantQuota, world);
    expect(result).toMatchObject({ id: 'key-grant-quota', status: 'finding', severity: 'high', resource: CMK_ARN });
    expect(result!.evidence).toBe('41000 of 50000 grants (82 %); +1000 since 2026-03-10T00:00:00.000Z (40000), 1000 a day, the quota in about 9 day(s) at that rate');
  });

  it('finds nothing below 80 %', () => {
    expect(resultsOf(keyGrantQuota, { ...keyWorld([]), grantCount: 39_999 })).toEqual([]);
  });
});
