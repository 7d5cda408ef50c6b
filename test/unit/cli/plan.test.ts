import { countItems, countLine, renderLaunchFailure, renderReencrypt } from '../../../cli/plan';
import { LAUNCH_FAILURE_PLANNED, REENCRYPT_DONE, REENCRYPT_PLANNED } from '../../fixtures/workflow-outputs';

describe('plans and results', () => {
  it('a re-encrypt dry run reads as a plan: the copy, the share and each grant it would make', () => {
    const r = renderReencrypt(REENCRYPT_PLANNED);
    expect(r.target).toBe(`${REENCRYPT_PLANNED.sourceImageId} us-east-1`);
    expect(r.items.map((i) => `${i.mark} ${i.text}`)).toEqual([
      `= found ${REENCRYPT_PLANNED.found[0]!.snapshotId} (/dev/xvda): on the AWS managed key`,
      `+ would copy ${REENCRYPT_PLANNED.sourceImageId} as "${REENCRYPT_PLANNED.copy.name}"`,
      `~ would share ${REENCRYPT_PLANNED.sourceImageId} with 111111111111, 222222222222`,
      '+ would create a grant in 111111111111 for AWSServiceRoleForAutoScaling',
      '+ would create a grant in 222222222222 for AWSServiceRoleForAutoScaling_apps',
      `= original ${REENCRYPT_PLANNED.sourceImageId}: kept`,
    ]);
    expect(countLine(countItems(r.items), true)).toBe('Plan: 3 to create, 1 to change, 2 left as they are.');
  });

  it('a re-encrypt run says what it did, with the copy id, the key and every grant id', () => {
    const r = renderReencrypt(REENCRYPT_DONE);
    const text = r.items.map((i) => [i.text, ...(i.details ?? []).map(([k, v]) => `${k} ${v}`)].join(' | ')).join('\n');
    expect(r.headline).toBe(`reencrypted-and-shared (aws-managed-key) → ${REENCRYPT_DONE.imageId}`);
    expect(text).toContain(`copied ${REENCRYPT_DONE.sourceImageId} to ${REENCRYPT_DONE.imageId}`);
    expect(text).toContain(`key ${REENCRYPT_DONE.copy.kmsKeyId}`);
    for (const access of REENCRYPT_DONE.grants) expect(text).toContain(`created grant ${access.grants[0]!.grantId} in ${access.account}`);
    expect(countLine(countItems(r.items), false)).toBe('Result: 3 created, 1 changed, 2 left as they were.');
  });

  it('a re-encrypt run shows the copy’s lineage as EC2 reports it and each launch template it moved', () => {
    const copy = REENCRYPT_DONE.imageId;
    const source = REENCRYPT_DONE.sourceImageId;
    const r = renderReencrypt({
      ...REENCRYPT_DONE,
      publication: {
        imageId: copy,
        lineage: {
          outcome: 'recorded',
          sourceImageId: source,
          description: null,
          deprecationTime: null,
          ancestry: { from: 'GetImageAncestry', chain: [{ imageId: copy, sourceImageId: source, sourceImageRegion: 'us-east-1' }, { imageId: source }] },
        },
      },
      launchTemplates: [
        {
          account: '111111111111',
          outcome: 'updated',
          failed: false,
          finding: null,
          templates: [
            { launchTemplateId: 'lt-0a1b2c3d4e5f60718', outcome: 'version-created', version: 2, sourceVersion: 1, defaultVersion: 1, finding: null },
            { launchTemplateId: 'lt-0f9e8d7c6b5a49382', outcome: 'not-on-previous-image', version: null, sourceVersion: null, defaultVersion: 1, finding: 'launches ami-0other' },
          ],
        },
        { account: '222222222222', outcome: 'not-launchable', failed: false, finding: 'no grant', templates: [] },
      ],
    });
    const lines = r.items.map((i) => `${i.mark} ${i.text}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        `= lineage (GetImageAncestry): ${copy} ← ${source} (us-east-1)`,
        `+ created version 2 of lt-0a1b2c3d4e5f60718 in 111111111111, launching ${copy}`,
        '! lt-0f9e8d7c6b5a49382 in 111111111111: launches ami-0other',
        '! 222222222222: no grant',
      ]),
    );
  });

  it('a launch-failure dry run plans the grant (not a service-linked role that exists)', () => {
    const r = renderLaunchFailure(LAUNCH_FAILURE_PLANNED);
    expect(r.target).toBe('111111111111 us-east-1 web');
    expect(r.items.map((i) => `${i.mark} ${i.text}`)).toEqual(['+ would create a grant for AWSServiceRoleForAutoScaling']);
    expect(r.items[0]!.details).toEqual([
      ['key', LAUNCH_FAILURE_PLANNED.grantsNeeded[0]!.keyArn],
      ['grantee', LAUNCH_FAILURE_PLANNED.grantsNeeded[0]!.granteePrincipal],
      ['name', 'amiwarden:111111111111:AWSServiceRoleForAutoScaling'],
    ]);
    expect(r.note).toBe(LAUNCH_FAILURE_PLANNED.finding);
  });
});
