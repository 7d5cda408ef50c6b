import { stringifyDeep } from '../../../core/deep-json';

describe('stringifyDeep', () => {
  it.each([
    ['scalars', [null, true, false, 0, -1.5e300, 'é"\\\n\u2028', '']],
    ['an event', { version: '0', 'detail-type': 'EC2 AMI State Change', detail: { ImageId: 'ami-0123', State: 'available', nested: [{ a: [] }, {}, [[1, 2], 'x']] } }],
    ['what JSON drops or turns into null', { a: undefined, b: () => 1, c: [undefined, () => 1, NaN, Infinity], d: new Date('2026-11-20T09:14:02Z') }],
    ['a top-level string', 'aws.ec2'],
  ])('writes %s as JSON.stringify does', (_label, value) => {
    expect(stringifyDeep(value)).toBe(JSON.stringify(value));
  });

  it('writes 100,000 levels of nesting, which JSON.stringify cannot', () => {
    const text = `{"input":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const value = JSON.parse(text) as unknown;

    expect(() => JSON.stringify(value)).toThrow(RangeError);
    expect(stringifyDeep(value)).toBe(text);
  });
});
