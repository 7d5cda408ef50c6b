/**
 * The lite S3 client's endpoints (bundling/aws-lite/s3.ts `s3Endpoint`) against the SDK's S3
 * endpoint rules, for the parameters amiwarden sends: every partition, FIPS and dual-stack on and
 * off, bucket names that are and are not virtual-hostable, and configured endpoints (IP, host,
 * path, default port, http and https). Both are bundled here (the SDK's rules are ES modules).
 */
import { useBundleInProcess } from '../../support/bundle-in-process';

type Resolve = (params: Record<string, unknown>) => { url: URL; properties?: { authSchemes?: Array<{ name: string; signingName?: string; signingRegion?: string }> } };
const bundle = useBundleInProcess<{ sdk: Resolve; lite: Resolve }>(`
  export { defaultEndpointResolver as sdk } from '@aws-sdk/client-s3/dist-es/endpoint/endpointResolver';
  export { s3Endpoint as lite } from './bundling/aws-lite/s3';
`);
let sdk: Resolve;
let lite: Resolve;
beforeAll(() => {
  ({ sdk, lite } = bundle());
});

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-5', 'ca-west-1', 'cn-north-1', 'cn-northwest-1', 'us-gov-west-1', 'us-gov-east-1', 'us-iso-east-1', 'us-isob-east-1', 'eu-isoe-west-1', 'us-isof-south-1', 'eusc-de-east-1', 'xx-future-1'];
const BUCKETS = ['amiwarden-reports-111111111111-us-east-1', 'reports.with.dots', 'ab', 'Upper-Case', '192.168.1.1'];
const ENDPOINTS = [undefined, 'http://127.0.0.1:5000', 'http://localhost:4566', 'https://s3.internal.example.com', 'https://s3.internal.example.com:443', 'http://gateway.example.com/prefix', 'https://[::1]:9000'];

/** What a resolver gives: the URL and how to sign, or that it refuses, and why. */
function outcome(resolve: Resolve, params: Record<string, unknown>) {
  try {
    const e = resolve(params);
    const sigv4 = e.properties?.authSchemes?.find((s) => s.name === 'sigv4');
    return { url: e.url.href, signingName: sigv4?.signingName, signingRegion: sigv4?.signingRegion, schemes: e.properties?.authSchemes?.map((s) => s.name) };
  } catch (error) {
    return `refused: ${(error as Error).message}`;
  }
}

describe('S3 endpoints of the lite client', () => {
  it('are the SDK rules\u2019 for every partition, FIPS, dual-stack, bucket name and configured endpoint', () => {
    // The SDK's rules log the URLs they cannot build (a dotted bucket on an IP endpoint) before refusing.
    jest.spyOn(console, 'error').mockImplementation(() => {});
    const cases: Array<Record<string, unknown>> = [];
    for (const Region of REGIONS)
      for (const Bucket of BUCKETS)
        for (const Endpoint of ENDPOINTS)
          for (const UseFIPS of [false, true])
            for (const UseDualStack of [false, true]) cases.push({ Region, Bucket, UseFIPS, UseDualStack, ...(Endpoint ? { Endpoint } : {}) });

    const differ = cases
      .map((params) => {
        const full = { ...params, ForcePathStyle: false, Accelerate: false, UseGlobalEndpoint: false, UseArnRegion: false };
        return { params, sdk: outcome(sdk, full), lite: outcome(lite, full) };
      })
      .filter((c) => JSON.stringify(c.sdk) !== JSON.stringify(c.lite));

    expect(differ).toEqual([]);
    expect(cases).toHaveLength(REGIONS.length * BUCKETS.length * ENDPOINTS.length * 4);
  });

  it('are virtual-hosted in the Region for amiwarden\u2019s bucket, path-style on an IP endpoint', () => {
    const bucket = 'amiwarden-reports-111111111111-us-east-1';
    expect(outcome(lite, { Region: 'eu-west-1', Bucket: bucket, UseFIPS: false, UseDualStack: false })).toMatchObject({ url: `https://${bucket}.s3.eu-west-1.amazonaws.com/`, signingRegion: 'eu-west-1' });
    expect(outcome(lite, { Region: 'cn-north-1', Bucket: bucket, UseFIPS: false, UseDualStack: true })).toMatchObject({ url: `https://${bucket}.s3.dualstack.cn-north-1.amazonaws.com.cn/` });
    expect(outcome(lite, { Region: 'us-east-1', Bucket: bucket, UseFIPS: false, UseDualStack: false, Endpoint: 'http://127.0.0.1:5000' })).toMatchObject({ url: `http://127.0.0.1:5000/${bucket}` });
  });
});
