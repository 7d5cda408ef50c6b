/**
 * "Check copy" waits for the copy up to AMIWARDEN_IMAGE_WAIT_MINUTES counted from when the copy
 * started (its CreationDate), not from when the execution started: time spent first waiting for a
 * pending source must not use up the copy's time.
 */
import { CENTRAL, REGION, TEST_ENV } from '../../fixtures/aws';

const COPY = 'ami-0c0ffee0c0ffee000';
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

async function checkCopy(copyCreated: Date, executionStarted: Date) {
  const env = { ...process.env };
  Object.assign(process.env, TEST_ENV, { POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_REGION: REGION, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
  let restore = () => {};
  try {
    let handler!: (payload: unknown) => Promise<{ status: string; classification: string; timedOut?: boolean }>;
    jest.isolateModules(() => {
      // The handler's own copy of the SDK client is the one to mock.
      const { mockClient } = require('aws-sdk-client-mock') as typeof import('aws-sdk-client-mock');
      const { DescribeImagesCommand, EC2Client } = require('@aws-sdk/client-ec2') as typeof import('@aws-sdk/client-ec2');
      const ec2 = mockClient(EC2Client);
      restore = () => ec2.restore();
      ec2.on(DescribeImagesCommand).resolves({
        $metadata: { httpStatusCode: 200 },
        Images: [
          {
            ImageId: COPY,
            OwnerId: CENTRAL,
            State: 'pending',
            CreationDate: copyCreated.toISOString(),
            Name: 'golden-2026-11-02 [amiwarden ami-008c67c239389d171]',
            BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-0c0c0c0c0c0c0c0c0', VolumeSize: 8, Encrypted: true } }],
          },
        ],
      });
      ({ handler } = require('../../../functions/inspect-image/handler') as { handler: typeof handler });
    });
    return await handler({ event: { imageId: COPY, region: REGION, trigger: 'copy', dryRun: false }, executionStartTime: executionStarted.toISOString() });
  } finally {
    restore();
    process.env = env;
  }
}

describe('Check copy: how long it waits', () => {
  it('keeps waiting for a copy started 5 minutes ago, though the execution started 185 minutes ago (its source was pending that long)', async () => {
    const inspection = await checkCopy(minutesAgo(5), minutesAgo(185));
    expect([inspection.classification, inspection.status]).toEqual(['pending', 'wait']);
  });

  it('stops waiting for a young copy when the execution has waited as long as any may (its 24-hour timeout must not strike)', async () => {
    // The source took 1,380 minutes (the longest wait there is); the copy started 5 minutes ago.
    const inspection = await checkCopy(minutesAgo(5), minutesAgo(1380 + 5));
    expect([inspection.classification, inspection.status, inspection.timedOut]).toEqual(['pending', 'finding', true]);
  });

  it('stops waiting for a copy still pending after the wait time (180 minutes by default)', async () => {
    const inspection = await checkCopy(minutesAgo(181), minutesAgo(190));
    expect([inspection.classification, inspection.status, inspection.timedOut]).toEqual(['pending', 'finding', true]);
  });
});
