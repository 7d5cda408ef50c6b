/** Image pointers' pure decisions: the family of an image, the pointer's name and ARN, never backwards, inherited deprecation. */
import { loadConfig } from '../../../core/config';
import { familyOf, globMatches, inheritedDeprecation, mayMove, parameterArn, pointerName, pointersEnabled } from '../../../core/pointers';
import { TEST_ENV } from '../../fixtures/aws';

const config = (env: Record<string, string>) => loadConfig({ ...TEST_ENV, ...env });

describe('the family of an image', () => {
  it('is the configured tag’s value first, else the first name pattern that matches', () => {
    const c = config({ AMIWARDEN_IMAGE_FAMILY_TAG: 'family', AMIWARDEN_IMAGE_FAMILIES: 'web=golden-web-*,any=golden-*' });
    expect(familyOf({ name: 'golden-web-1', tags: { family: 'batch' } }, c)).toEqual({ family: 'batch', from: 'tag' });
    expect(familyOf({ name: 'golden-web-1', tags: {} }, c)).toEqual({ family: 'web', from: 'name' });
    expect(familyOf({ name: 'golden-db-1', tags: {} }, c)).toEqual({ family: 'any', from: 'name' });
    expect(familyOf({ name: 'other', tags: {} }, c)).toMatchObject({ family: null });
  });

  it('refuses a tag value that cannot be a parameter path segment', () => {
    const c = config({ AMIWARDEN_IMAGE_FAMILY_TAG: 'family' });
    expect(familyOf({ tags: { family: '../../aws/service' } }, c)).toMatchObject({ family: null, reason: expect.stringContaining('not a family name') });
    expect(familyOf({ tags: { family: 'a/b' } }, c)).toMatchObject({ family: null });
  });

  it('matches * as any run of characters and nothing else as a pattern', () => {
    expect(globMatches('golden-*-x86', 'golden-web-x86')).toBe(true);
    expect(globMatches('golden.web', 'goldenXweb')).toBe(false);
    expect(globMatches('golden-(1)', 'golden-(1)')).toBe(true);
  });

  it('is off unless a tag or a pattern is configured', () => {
    expect(pointersEnabled(config({}))).toBe(false);
    expect(pointersEnabled(config({ AMIWARDEN_IMAGE_FAMILIES: 'web=golden-*' }))).toBe(true);
  });
});

describe('configuration', () => {
  it('defaults the prefix and refuses bad families and prefixes', () => {
    expect(config({}).pointerPrefix).toBe('/amiwarden/images');
    expect(config({ AMIWARDEN_POINTER_PREFIX: '/golden/' }).pointerPrefix).toBe('/golden');
    expect(() => config({ AMIWARDEN_POINTER_PREFIX: '/aws/images' })).toThrow(/AMIWARDEN_POINTER_PREFIX/);
    expect(() => config({ AMIWARDEN_POINTER_PREFIX: 'no-slash' })).toThrow(/AMIWARDEN_POINTER_PREFIX/);
    expect(() => config({ AMIWARDEN_IMAGE_FAMILIES: 'golden-*' })).toThrow(/AMIWARDEN_IMAGE_FAMILIES/);
    expect(() => config({ AMIWARDEN_IMAGE_FAMILIES: 'a/b=golden-*' })).toThrow(/AMIWARDEN_IMAGE_FAMILIES/);
    expect(() => config({ AMIWARDEN_IMAGE_FAMILY_TAG: 'aws:family' })).toThrow(/AMIWARDEN_IMAGE_FAMILY_TAG/);
  });
});

describe('where the pointer lives', () => {
  it('is <prefix>/<family>, whose ARN has one slash after "parameter"', () => {
    const name = pointerName('/amiwarden/images', 'web');
    expect(name).toBe('/amiwarden/images/web');
    expect(parameterArn('aws', 'eu-west-1', '999999999999', name)).toBe('arn:aws:ssm:eu-west-1:999999999999:parameter/amiwarden/images/web');
  });
});

describe('never backwards', () => {
  it('moves to a build as new or newer, never to an older one or one of unknown age', () => {
    expect(mayMove('2026-11-03T00:00:00.000Z', '2026-11-02T00:00:00.000Z')).toBe(true);
    expect(mayMove('2026-11-02T00:00:00.000Z', '2026-11-02T00:00:00.000Z')).toBe(true);
    expect(mayMove('2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z')).toBe(false);
    expect(mayMove(undefined, '2026-11-02T00:00:00.000Z')).toBe(false);
    expect(mayMove(undefined, undefined)).toBe(true);
  });
});

describe('the deprecation a copy inherits', () => {
  const now = new Date('2026-12-01T10:00:30Z');
  it('is the source’s time; a time already past becomes the next minute; none stays none', () => {
    expect(inheritedDeprecation('2027-01-01T00:00:00.000Z', now)?.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(inheritedDeprecation('2026-01-01T00:00:00.000Z', now)?.toISOString()).toBe('2026-12-01T10:01:00.000Z');
    expect(inheritedDeprecation(undefined, now)).toBeUndefined();
  });
});
