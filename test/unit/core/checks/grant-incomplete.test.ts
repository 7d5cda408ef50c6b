import { resultsOf } from '../../../../core/checks';
import { grantIncomplete } from '../../../../core/checks/grant-incomplete';
import { slrArn } from '../../../fixtures/aws';
import { grant, keyWorld } from './grant-world';

const MODULE_OPS = ['Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'DescribeKey'];

describe('check grant-incomplete', () => {
  it('names the operations a role’s only grant lacks, and repairs it with the named grant for that role', () => {
    const [result] = resultsOf(grantIncomplete, keyWorld([grant('g', { operations: MODULE_OPS })]));
    expect(result).toMatchObject({ id: 'grant-incomplete', status: 'remediable', severity: 'high' });
    expect(result!.evidence).toContain('lacks GenerateDataKeyWithoutPlaintext, CreateGrant');
    expect(result!.repair).toMatchObject({ serviceLinkedRoleArn: slrArn(), revokeGrantIds: [] });
  });

  it('finds nothing when another grant covers the role', () => {
    expect(resultsOf(grantIncomplete, keyWorld([grant('g1', { operations: MODULE_OPS }), grant('g2')]))).toEqual([]);
  });
});
