/**
 * Every request the lite clients make (bundling/aws-lite) against the request the SDK client makes
 * for the same input: method, URL, query, body, the headers that carry meaning, and the signing
 * Region and service, in four Regions of three partitions, with FIPS, dual-stack and a configured
 * endpoint. Both hand their signed request to a handler that keeps it and sends nothing. (The
 * emulator checks no signature and serves every service at one URL, so this is where endpoints
 * and signing scopes are compared; test/conformance/aws-lite.test.ts compares the answers.)
 */
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import * as autoScaling from '@aws-sdk/client-auto-scaling';
import * as ec2 from '@aws-sdk/client-ec2';
import * as iam from '@aws-sdk/client-iam';
import * as kms from '@aws-sdk/client-kms';
import * as organizations from '@aws-sdk/client-organizations';
import * as s3 from '@aws-sdk/client-s3';
import * as sts from '@aws-sdk/client-sts';
import type { HttpRequest } from '@smithy/types';
import { useBundleInProcess } from '../../support/bundle-in-process';

type Module = Record<string, new (input: object) => object>;
type Client = { send(command: object): Promise<unknown> };
const bundle = useBundleInProcess<Record<string, Module>>(
  ['kms', 'sts', 'iam', 's3', 'organizations', 'auto-scaling', 'ec2-launch-templates']
    .map((m) => `export * as ${m.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())} from './bundling/aws-lite/${m}';`)
    .join('\n'),
);
let lite: Record<string, Module>;
beforeAll(() => {
  lite = bundle();
});

const ENV = ['AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT', 'AWS_ENDPOINT_URL'];
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

/** Each operation amiwarden sends with a lite client, with an input like the adapters'. */
const OPERATIONS: Array<{ sdk: Module; lite: string; client: string; command: string; input: object }> = [
  { sdk: kms as never, lite: 'kms', client: 'KMSClient', command: 'DescribeKeyCommand', input: { KeyId: 'arn:aws:kms:us-east-1:111111111111:key/k' } },
  { sdk: kms as never, lite: 'kms', client: 'KMSClient', command: 'ListGrantsCommand', input: { KeyId: 'k', GranteePrincipal: 'arn:aws:iam::2:role/r', Marker: 'm' } },
  {
    sdk: kms as never,
    lite: 'kms',
    client: 'KMSClient',
    command: 'CreateGrantCommand',
    input: { KeyId: 'k', GranteePrincipal: 'arn:aws:iam::2:role/r', Operations: ['Decrypt', 'CreateGrant'], Name: 'amiwarden-x' },
  },
  { sdk: kms as never, lite: 'kms', client: 'KMSClient', command: 'GetKeyPolicyCommand', input: { KeyId: 'k', PolicyName: 'default' } },
  {
    sdk: sts as never,
    lite: 'sts',
    client: 'STSClient',
    command: 'AssumeRoleCommand',
    input: { RoleArn: 'arn:aws:iam::222222222222:role/amiwarden-member', RoleSessionName: 'amiwarden-grant', DurationSeconds: 900, ExternalId: "e x!'()*" },
  },
  { sdk: iam as never, lite: 'iam', client: 'IAMClient', command: 'GetRoleCommand', input: { RoleName: 'AWSServiceRoleForAutoScaling_web' } },
  {
    sdk: iam as never,
    lite: 'iam',
    client: 'IAMClient',
    command: 'CreateServiceLinkedRoleCommand',
    input: { AWSServiceName: 'autoscaling.amazonaws.com', Description: 'Created by amiwarden, ü', CustomSuffix: 'web' },
  },
  { sdk: organizations as never, lite: 'organizations', client: 'OrganizationsClient', command: 'ListAccountsCommand', input: { NextToken: 't' } },
  { sdk: organizations as never, lite: 'organizations', client: 'OrganizationsClient', command: 'ListAccountsForParentCommand', input: { ParentId: 'ou-ab12-cdefgh34' } },
  { sdk: organizations as never, lite: 'organizations', client: 'OrganizationsClient', command: 'DescribeAccountCommand', input: { AccountId: '222222222222' } },
  { sdk: autoScaling as never, lite: 'autoScaling', client: 'AutoScalingClient', command: 'DescribeAutoScalingGroupsCommand', input: { AutoScalingGroupNames: ['web', 'api'] } },
  { sdk: autoScaling as never, lite: 'autoScaling', client: 'AutoScalingClient', command: 'DescribeAutoScalingGroupsCommand', input: { MaxRecords: 100, NextToken: 'n' } },
  { sdk: autoScaling as never, lite: 'autoScaling', client: 'AutoScalingClient', command: 'DescribeLaunchConfigurationsCommand', input: { LaunchConfigurationNames: ['lc'] } },
  {
    sdk: autoScaling as never,
    lite: 'autoScaling',
    client: 'AutoScalingClient',
    command: 'DescribeScalingActivitiesCommand',
    input: { MaxRecords: 100, IncludeDeletedGroups: false, NextToken: 'n' },
  },
  { sdk: ec2 as never, lite: 'ec2LaunchTemplates', client: 'EC2Client', command: 'DescribeLaunchTemplateVersionsCommand', input: { LaunchTemplateId: 'lt-0abc', Versions: ['$Default'] } },
  { sdk: ec2 as never, lite: 'ec2LaunchTemplates', client: 'EC2Client', command: 'DescribeLaunchTemplateVersionsCommand', input: { Versions: ['$Latest'], MaxResults: 200, NextToken: 'n' } },
  {
    sdk: s3 as never,
    lite: 's3',
    client: 'S3Client',
    command: 'PutObjectCommand',
    input: { Bucket: 'amiwarden-reports-111111111111', Key: 'sweeps/run 1/+ü&.json', Body: '{"a":1}', ContentType: 'application/json', ServerSideEncryption: 'AES256' },
  },
  { sdk: s3 as never, lite: 's3', client: 'S3Client', command: 'GetObjectCommand', input: { Bucket: 'amiwarden-reports-111111111111', Key: 'sweeps/latest.json' } },
  { sdk: s3 as never, lite: 's3', client: 'S3Client', command: 'ListObjectsV2Command', input: { Bucket: 'amiwarden-reports-111111111111', Prefix: 'sweeps/run 1/', ContinuationToken: 'c=1' } },
];

const REGIONS = ['us-east-1', 'eu-west-1', 'cn-north-1', 'us-gov-west-1'];
const SETTINGS: Array<Record<string, string>> = [
  {},
  { AWS_USE_FIPS_ENDPOINT: 'true' },
  { AWS_USE_DUALSTACK_ENDPOINT: 'true' },
  { AWS_USE_FIPS_ENDPOINT: 'true', AWS_USE_DUALSTACK_ENDPOINT: 'true' },
  { AWS_ENDPOINT_URL: 'http://localhost:5000' },
];

class Kept extends Error {}

/** The request a client signs for one command, as far as it means anything to AWS; or why it refused. */
async function requestOf(make: (handler: object) => Client, command: object): Promise<unknown> {
  let kept: HttpRequest | undefined;
  const handler = {
    handle: async (request: HttpRequest) => {
      kept = request;
      throw new Kept();
    },
  };
  try {
    await make(handler).send(command);
  } catch (error) {
    if (!kept) return `refused: ${(error as Error).message}`;
  }
  const r = kept!;
  const header = (name: string) => Object.entries(r.headers).find(([k]) => k.toLowerCase() === name)?.[1];
  const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(header('authorization') ?? '');
  const body = typeof r.body === 'string' ? r.body : r.body === undefined ? '' : Buffer.from(r.body as Uint8Array).toString();
  const contentType = header('content-type');
  return {
    method: r.method,
    url: `${r.protocol}//${r.hostname}${r.port ? `:${r.port}` : ''}${r.path}`,
    query: Object.fromEntries(Object.entries(r.query ?? {}).sort()),
    body: contentType?.includes('json') ? JSON.parse(body || '{}') : contentType?.includes('x-www-form-urlencoded') ? [...new URLSearchParams(body)].sort() : body,
    contentType,
    target: header('x-amz-target'),
    sse: header('x-amz-server-side-encryption'),
    // Signed over the bytes sent (the two order a JSON object's keys or a form's fields differently).
    payloadHash: header('x-amz-content-sha256') === createHash('sha256').update(body).digest('hex'),
    signing: scope ? `${scope[1]}/${scope[2]}` : undefined,
  };
}

describe('the lite clients\u2019 requests', () => {
  it('are the SDK clients\u2019 for every operation, Region, FIPS, dual-stack and configured endpoint', async () => {
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' };
    const differ: unknown[] = [];
    let compared = 0;
    for (const settings of SETTINGS) {
      for (const k of ENV) delete process.env[k];
      Object.assign(process.env, settings);
      for (const region of REGIONS) {
        for (const op of OPERATIONS) {
          const config = (requestHandler: object) => ({ region, credentials, maxAttempts: 1, requestHandler });
          const sdk = await requestOf((h) => new op.sdk[op.client]!(config(h)) as Client, new op.sdk[op.command]!(op.input));
          const lt = await requestOf((h) => new lite[op.lite]![op.client]!(config(h)) as Client, new lite[op.lite]![op.command]!(op.input));
          compared++;
          if (!isDeepStrictEqual(sdk, lt)) differ.push({ settings, region, command: op.command, sdk, lite: lt });
        }
      }
    }

    expect(differ).toEqual([]);
    expect(compared).toBe(SETTINGS.length * REGIONS.length * OPERATIONS.length);
  });
});
