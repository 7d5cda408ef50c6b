/**
 * Claims README.md and docs/cli.md make that are not counts of a test corpus (those are in
 * docs-counts.test.ts): each row finds the claim in the doc and compares it with the code, the
 * deploy template or the lock file. A claim reworded or removed fails here too: update its row.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultContext } from '../../cli/context';
import { COMMANDS } from '../../cli/main';
import { helpText } from '../../cli/command';
import { memoryOutput, processOutput } from '../../cli/output';
import { GRANTS_PER_KEY } from '../../core/grant-health';
import { REQUIRED_GRANT_OPERATIONS } from '../../core/grants';
import { recommendedKeyUseStatement } from '../../core/key-policy';
import { CAUSES } from '../../core/launch-failure';
import { HISTORY_LIMIT_EVENTS, PAYLOAD_LIMIT_BYTES } from '../../local/limits';

// npm's own version-range library, as npm uses it to warn about engines.
import * as semver from 'semver';

const ROOT = path.resolve(__dirname, '../..');
const raw = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const doc = (file: string) => raw(file).replace(/\s+/g, ' ');
const find = (file: string, claim: RegExp): RegExpExecArray => {
  const found = claim.exec(doc(file));
  if (!found) throw new Error(`${file} no longer says ${claim}: update or remove this row`);
  return found;
};
const WORDS: Record<string, number> = { two: 2, three: 3, four: 4, eight: 8 };

describe('Node.js versions (README "Try it")', () => {
  const pkg = JSON.parse(raw('package.json')) as { engines: { node: string }; devDependencies: Record<string, string> };
  const lock = JSON.parse(raw('package-lock.json')) as { packages: Record<string, { engines?: { node?: string } | string[] }> };
  const claim = find('README.md', /Node\.js (\d+)\.(\d+) or later \(on (\d+), \1?(\d+)\.(\d+) or later; or (\d+)\)/);
  const minima = [`${claim[1]}.${claim[2]}.0`, `${claim[4]}.${claim[5]}.0`, `${claim[6]}.0.0`];

  it('the minimum versions it states are the package\'s engines, and nothing older is', () => {
    for (const v of minima) expect(semver.satisfies(v, pkg.engines.node)).toBe(true);
    for (const older of minima.map((v) => semver.parse(v)!).filter((v) => v.minor > 0).map((v) => `${v.major}.${v.minor - 1}.0`)) expect(semver.satisfies(older, pkg.engines.node)).toBe(false);
    expect(semver.satisfies(`${Number(claim[1]) - 1}.99.0`, pkg.engines.node)).toBe(false);
  });

  it('on Node 20 exactly the two packages it names declare a newer Node; on 22.13 and 24 none does', () => {
    const named = find('README.md', /warns that (\w+) development packages \(`([^`]+)`, `([^`]+)`\) declare Node (\d+) or later/);
    const refusing = (version: string) =>
      Object.entries(lock.packages)
        .filter(([key, p]) => key !== '' && p.engines && !Array.isArray(p.engines) && typeof p.engines.node === 'string' && !semver.satisfies(version, p.engines.node))
        .map(([key]) => key.replace(/^.*node_modules\//, ''))
        .sort();
    expect(refusing(minima[0]!)).toEqual([named[2], named[3]].sort());
    expect(refusing(minima[0]!)).toHaveLength(WORDS[named[1]!]!);
    for (const name of [named[2]!, named[3]!]) {
      const engines = (lock.packages[`node_modules/${name}`]!.engines as { node: string }).node;
      expect(semver.minVersion(engines)!.major).toBe(Number(named[4]));
    }
    expect(refusing(minima[1]!)).toEqual([]);
    expect(refusing(minima[2]!)).toEqual([]);
  });

  it('npm install brings the Lambda runtime\'s Node (the npm package `node`)', () => {
    const major = Number(find('README.md', /`npm install` also brings Node\.js (\d+) \(the npm package `node`, the Lambda runtime's version\)/)[1]);
    expect(semver.minVersion(pkg.devDependencies.node!)!.major).toBe(major);
    expect(raw('serverless.yml')).toMatch(new RegExp(`^  runtime: nodejs${major}\\.x$`, 'm'));
  });
});

describe('the launch-failure workflow (README "How it works")', () => {
  it('lists every cause the diagnosis can give, and says how many', () => {
    const found = find('README.md', /One of (\d+) causes comes out, each documented in \[docs\/checks\.md\]\(docs\/checks\.md\) \(\[docs\/launch-failure\.md\]\(docs\/launch-failure\.md\)\): ((?:`[a-z-]+`,? ?(?:and )?)+)\./);
    expect(Number(found[1])).toBe(CAUSES.length);
    expect([...found[2]!.matchAll(/`([a-z-]+)`/g)].map((m) => m[1])).toEqual([...CAUSES]);
  });

  it('creates the grant with exactly the operations it says', () => {
    expect(WORDS[find('README.md', /with exactly the (\w+) operations of the Auto Scaling guide/)[1]!]).toBe(REQUIRED_GRANT_OPERATIONS.length);
    expect(WORDS[find('README.md', /only with the (\w+) operations Auto Scaling needs/)[1]!]).toBe(REQUIRED_GRANT_OPERATIONS.length);
  });

  it('judges a key\'s grant count against the quota it names', () => {
    expect(Number(find('README.md', /the key's grant count against the ([\d,]+) quota/)[1]!.replace(/,/g, ''))).toBe(GRANTS_PER_KEY);
  });
});

describe('the local runner\'s Step Functions quotas (README "Development")', () => {
  it('are the ones it enforces', () => {
    const found = find('README.md', /the (\d+) KiB payload quota \(`States\.DataLimitExceeded`\), the ([\d,]+)-event history quota/);
    expect(Number(found[1]) * 1024).toBe(PAYLOAD_LIMIT_BYTES);
    expect(Number(found[2]!.replace(/,/g, ''))).toBe(HISTORY_LIMIT_EVENTS);
  });
});

describe('the configuration table (README "Configuration")', () => {
  const yml = raw('serverless.yml');
  const rows = [...raw('README.md').matchAll(/^\| `([A-Z_]+)` \| ([^|]+) \| ([^|]+) \|/gm)].map((m) => ({ variable: m[1]!, param: /^`(\w+)`$/.exec(m[2]!.trim())?.[1], dflt: m[3]!.trim() }));
  const environment = /^  environment:\n((?: {4}.+\n)+)/m.exec(yml)![1]!;
  const deployed = [...environment.matchAll(/^ {4}(AMIWARDEN_[A-Z_]+):/gm)].map((m) => m[1]!);
  const defaults = /^params:\n {2}default:\n((?: {4}.+\n)+)/m.exec(yml)![1]!;
  const defaultOf = (param: string) => {
    const m = new RegExp(`^ {4}${param}: (.*)$`, 'm').exec(defaults);
    return m ? m[1]!.replace(/^'(.*)'$/, '$1') : undefined;
  };

  it('lists every AMIWARDEN_ variable the functions get', () => {
    expect(rows.map((r) => r.variable).filter((v) => v.startsWith('AMIWARDEN_')).sort()).toEqual([...deployed].sort());
  });

  it('names for each the param it is set from', () => {
    for (const { variable, param } of rows.filter((r) => r.param)) {
      const line = new RegExp(`^ {4}${variable}: (.*)$`, 'm').exec(environment)?.[1];
      // A few go through a CloudFormation parameter whose default is the param (resources/iam.yml).
      const viaParameter = /^!Ref (\w+)$/.exec(line ?? '')?.[1];
      if (viaParameter) expect(raw('resources/iam.yml')).toMatch(new RegExp(`${viaParameter}:\\n\\s+Type: String\\n\\s+Default: \\$\\{param:${param}\\}`));
      else expect(line).toBe(`\${param:${param}}`);
    }
  });

  it('gives each param\'s default as serverless.yml sets it', () => {
    for (const { param, dflt } of rows.filter((r) => r.param)) {
      const actual = defaultOf(param!);
      const stated = /^`([^`]*)`$/.exec(dflt)?.[1];
      if (stated !== undefined) expect([param, actual]).toEqual([param, stated]);
      else if (/^(none|all|the regions of the keys)$/.test(dflt)) expect([param, actual]).toEqual([param, '']);
      else expect([param, dflt]).toEqual([param, expect.stringMatching(/^required/)]);
    }
  });
});

describe('the CLI (docs/cli.md)', () => {
  it('every command takes --local, --json / --output and --help', () => {
    find('README.md', /Every command takes `--local`/);
    for (const command of COMMANDS) {
      const help = helpText(command).join('\n');
      expect([command.name, help]).toEqual([command.name, expect.stringMatching(/--local\b/)]);
      expect([command.name, help]).toEqual([command.name, expect.stringMatching(/--json\b/)]);
      expect([command.name, help]).toEqual([command.name, expect.stringMatching(/--output\b/)]);
      expect([command.name, help]).toEqual([command.name, expect.stringMatching(/--help\b/)]);
    }
  });

  it('follows an execution by polling its history every second', () => {
    find('docs/cli.md', /polling `GetExecutionHistory` every second/);
    expect(defaultContext().pollIntervalMs).toBe(1000);
  });

  it('uses colours only on a terminal, and not when NO_COLOR is set, stdout and stderr each for itself', () => {
    find('docs/cli.md', /only on a terminal, and not when `NO_COLOR` is set \(stdout and stderr each decide for themselves\)/);
    const stream = (isTTY: boolean) => ({ isTTY, write: () => true }) as unknown as NodeJS.WriteStream;
    expect(processOutput({ stdout: stream(true), stderr: stream(false) }, {})).toMatchObject({ color: true, errColor: false });
    expect(processOutput({ stdout: stream(false), stderr: stream(true) }, {})).toMatchObject({ color: false, errColor: true });
    expect(processOutput({ stdout: stream(true), stderr: stream(true) }, { NO_COLOR: '1' })).toMatchObject({ color: false, errColor: false });
    expect(memoryOutput().color).toBe(false);
  });

  it('key-policy: the key-use statement is for the organization and only through EC2', () => {
    find('docs/cli.md', /`kms:ViaService` `ec2\.\*\.amazonaws\.com` \(`StringLike`\)/);
    expect(recommendedKeyUseStatement('o-a1b2c3d4e5')).toMatchObject({
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' }, StringLike: { 'kms:ViaService': 'ec2.*.amazonaws.com' } },
    });
  });
});
