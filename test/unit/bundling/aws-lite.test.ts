/**
 * The lite clients' own parts (bundling/aws-lite): endpoint settings from the environment, XML
 * reading, query encoding, error names, and retries, against a local HTTP server that answers as
 * AWS does. test/conformance/aws-lite.test.ts compares them with the SDK on the emulator.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsServiceError, environmentEndpointParams, LiteClient, type ServiceModel } from '../../../bundling/aws-lite/client';
import { queryBody } from '../../../bundling/aws-lite/query';
import { at, parseXml, value, xmlError } from '../../../bundling/aws-lite/xml';

const ENV = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_KMS', 'AWS_ENDPOINT_URL_S3', 'AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'];
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});
const clearEnv = () => ENV.forEach((k) => delete process.env[k]);

describe('endpoint parameters, read from the environment as the SDK reads them', () => {
  it('FIPS and dual-stack flags, and the service endpoint URL before the general one', () => {
    clearEnv();
    expect(environmentEndpointParams('KMS', 'eu-west-1')).toEqual({ Region: 'eu-west-1', UseFIPS: false, UseDualStack: false });

    process.env.AWS_USE_FIPS_ENDPOINT = 'true';
    process.env.AWS_USE_DUALSTACK_ENDPOINT = 'true';
    process.env.AWS_ENDPOINT_URL = 'http://general:1';
    process.env.AWS_ENDPOINT_URL_KMS = 'http://kms-only:2';
    expect(environmentEndpointParams('KMS', 'us-gov-west-1')).toEqual({ Region: 'us-gov-west-1', UseFIPS: true, UseDualStack: true, Endpoint: 'http://kms-only:2' });
    expect(environmentEndpointParams('S3', 'us-gov-west-1').Endpoint).toBe('http://general:1');

    process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = 'true';
    expect(environmentEndpointParams('KMS', 'us-gov-west-1').Endpoint).toBeUndefined();
  });

  it('refuses a flag that is not "true" or "false", as the SDK does', () => {
    clearEnv();
    process.env.AWS_USE_FIPS_ENDPOINT = 'TRUE';
    expect(() => environmentEndpointParams('KMS', 'eu-west-1')).toThrow('Cannot load env AWS_USE_FIPS_ENDPOINT. Expected "true" or "false", got TRUE.');
    process.env.AWS_USE_FIPS_ENDPOINT = 'false';
    expect(environmentEndpointParams('KMS', 'eu-west-1').UseFIPS).toBe(false);
  });
});

describe('XML, as AWS answers', () => {
  it('reads nested elements, lists, entities and CDATA, and refuses a document that does not close', () => {
    const doc = parseXml(
      '<?xml version="1.0"?><R xmlns="x"><set><item><id>a&amp;b</id><data><list><item><id>inner</id></item></list><imageId>ami-1</imageId></data></item><item><id><![CDATA[<c>]]></id></item></set></R>',
    );
    const items = at(doc, 'set')!.children;
    expect(items.map((i) => value(i, 'id'))).toEqual(['a&b', '<c>']);
    expect(value(at(items[0], 'data'), 'imageId')).toBe('ami-1');
    expect(() => parseXml('<a><b></a>')).toThrow(SyntaxError);
    expect(() => parseXml('<a>')).toThrow(SyntaxError);
  });

  it('names errors by their code in the STS/IAM, EC2 and S3 shapes, and by status without a body', () => {
    expect(xmlError('<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no</Message></Error><RequestId>r1</RequestId></ErrorResponse>', 403)).toEqual({
      code: 'AccessDenied',
      message: 'no',
      requestId: 'r1',
    });
    expect(xmlError('<Response><Errors><Error><Code>InvalidLaunchTemplateId.NotFound</Code><Message>m</Message></Error></Errors><RequestID>r2</RequestID></Response>', 400)).toEqual({
      code: 'InvalidLaunchTemplateId.NotFound',
      message: 'm',
      requestId: 'r2',
    });
    expect(xmlError('<Error><Code>NoSuchKey</Code><Message>gone</Message><RequestId>r3</RequestId></Error>', 404).code).toBe('NoSuchKey');
    expect(xmlError('', 503)).toEqual({ code: 'ServiceUnavailable', message: 'ServiceUnavailable' });
    expect(xmlError('<html>bad gateway', 502).code).toBe('Http502');
  });
});

describe('query requests', () => {
  it('encode every value and list as AWS does, and refuse what is not a scalar or a list of scalars', () => {
    expect(queryBody('AssumeRole', '2011-06-15', { RoleArn: 'arn:aws:iam::1:role/a b', RoleSessionName: "x!'()*", DurationSeconds: 900, ExternalId: undefined })).toBe(
      'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b&RoleSessionName=x%21%27%28%29%2A&DurationSeconds=900',
    );
    expect(queryBody('DescribeAutoScalingGroups', '2011-01-01', { AutoScalingGroupNames: ['web', 'api'], MaxRecords: 100, IncludeDeletedGroups: false })).toBe(
      'Action=DescribeAutoScalingGroups&Version=2011-01-01&AutoScalingGroupNames.member.1=web&AutoScalingGroupNames.member.2=api&MaxRecords=100&IncludeDeletedGroups=false',
    );
    expect(() => queryBody('GetRole', '2010-05-08', { Tags: [{ Key: 'a' }] })).toThrow(TypeError);
    expect(() => queryBody('GetRole', '2010-05-08', { Filter: { Name: 'a' } })).toThrow(TypeError);
  });
});

describe('sending, signing and retrying', () => {
  let server: http.Server;
  let answers: Array<{ status: number; body: string; headers?: Record<string, string> }>;
  const seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  const service: ServiceModel = {
    serviceId: 'KMS',
    signingName: 'kms',
    uriEscapePath: true,
    endpoint: (p) => ({ url: new URL(p.Endpoint ?? 'http://unused') }),
  };

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        const a = answers.shift() ?? { status: 500, body: '' };
        res.writeHead(a.status, { 'x-amzn-requestid': `req-${seen.length}`, ...a.headers });
        res.end(a.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    clearEnv();
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen.length = 0;
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  const client = (maxAttempts = 3) =>
    new LiteClient(service, { region: 'eu-west-1', maxAttempts, credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'token' } });
  const jsonError = (r: { body: Uint8Array }) => {
    const b = JSON.parse(Buffer.from(r.body).toString()) as { __type: string; message: string };
    return { code: b.__type, message: b.message };
  };

  it('signs with SigV4 for the service and region, with the session token', async () => {
    answers = [{ status: 200, body: '{}' }];

    const { $metadata } = await client().request({ method: 'POST', body: '{"KeyId":"k"}', headers: { 'x-amz-target': 'TrentService.DescribeKey' } }, jsonError);

    expect($metadata).toEqual({ httpStatusCode: 200, attempts: 1, requestId: 'req-1' });
    expect(seen[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKID\/\d{8}\/eu-west-1\/kms\/aws4_request, SignedHeaders=.*x-amz-target.*, Signature=[0-9a-f]{64}$/);
    expect(seen[0]!.headers['x-amz-security-token']).toBe('token');
    // CloudTrail's userAgent names amiwarden; the header is not signed.
    expect(seen[0]!.headers['user-agent']).toMatch(/^amiwarden \(aws-lite\) node\/\d+/);
    expect(seen[0]!.headers.authorization).not.toMatch(/user-agent/);
    expect(seen[0]!.body).toBe('{"KeyId":"k"}');
  });

  it('retries throttling and server faults up to maxAttempts, then fails with the code', async () => {
    answers = [
      { status: 400, body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }) },
      { status: 503, body: JSON.stringify({ __type: 'ServiceUnavailableException', message: 'later' }) },
      { status: 200, body: '{}' },
    ];
    await expect(client().request({ method: 'POST', body: '{}' }, jsonError)).resolves.toMatchObject({ $metadata: { attempts: 3 } });

    answers = Array(3).fill({ status: 400, body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }) });
    const error = await client().request({ method: 'POST', body: '{}' }, jsonError).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsServiceError);
    expect(error).toMatchObject({ name: 'ThrottlingException', message: 'Rate exceeded', $fault: 'client', $metadata: { httpStatusCode: 400, attempts: 3 } });
  });

  it('retries what the SDK retries (429 without a code, S3 RequestTimeout, 504) and not what it does not (501, a quota)', async () => {
    const attempts = async (answer: { status: number; body: string }) => {
      answers = Array(3).fill(answer);
      seen.length = 0;
      const error = await client().request({ method: 'POST', body: '{}' }, (r) => xmlOrJson(r)).catch((e: unknown) => e);
      return { status: answer.status, name: (error as Error).name, attempts: seen.length };
    };
    const xmlOrJson = (r: { status: number; body: Uint8Array }) => xmlError(Buffer.from(r.body).toString(), r.status);

    expect(await attempts({ status: 429, body: '' })).toEqual({ status: 429, name: 'Http429', attempts: 3 });
    expect(await attempts({ status: 400, body: '<Error><Code>RequestTimeout</Code><Message>idle</Message></Error>' })).toEqual({ status: 400, name: 'RequestTimeout', attempts: 3 });
    expect(await attempts({ status: 504, body: '' })).toEqual({ status: 504, name: 'Http504', attempts: 3 });
    expect(await attempts({ status: 501, body: '' })).toEqual({ status: 501, name: 'Http501', attempts: 1 });
    expect(await attempts({ status: 400, body: '<Error><Code>ValidationError</Code><Message>no</Message></Error>' })).toEqual({ status: 400, name: 'ValidationError', attempts: 1 });
  });

  it('waits at least what x-amz-retry-after asks before retrying', async () => {
    answers = [{ status: 503, body: JSON.stringify({ __type: 'ServiceUnavailableException', message: 'later' }), headers: { 'x-amz-retry-after': '400' } }, { status: 200, body: '{}' }];
    const started = Date.now();

    await client().request({ method: 'POST', body: '{}' }, jsonError);

    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(seen).toHaveLength(2);
  });

  it('does not retry what is not transient, and answers the first failure', async () => {
    answers = [{ status: 400, body: JSON.stringify({ __type: 'NotFoundException', message: 'no key' }) }, { status: 200, body: '{}' }];

    const error = await client().request({ method: 'POST', body: '{}' }, jsonError).catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'NotFoundException', $metadata: { httpStatusCode: 400, attempts: 1 } });
    expect(seen).toHaveLength(1);
  });

  it('retries a connection that fails, then gives up with the network error', async () => {
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:1'; // nothing listens on port 1

    const error = await client(2).request({ method: 'POST', body: '{}' }, jsonError).catch((e: unknown) => e);

    expect((error as { code?: string }).code).toBe('ECONNREFUSED');
  });
});
