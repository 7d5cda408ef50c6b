/**
 * Every row of the hostile-input corpus fails with its guard removed: a row whose refusal survives
 * the loss of what refuses it proves nothing.
 *
 * - A row refused by its input's shape (a typed InvalidInputError naming a field): its guard is the
 *   check that threw it, found by running the row and reading the error's stack (a
 *   `throw new InvalidInputError(...)` of core/, services/ or functions/). The mutant is a copy of
 *   that module beside it (`*.guard-mutant.ts`, same lines) with the throw turned into an
 *   expression that throws nothing (`void new …`), loaded in place of the real one; the row is sent
 *   again and must no longer be refused as it expects (a call that would change something counts:
 *   broken code is stopped before it is sent). Where the input is refused again, by a later check,
 *   that check joins the guard and the row is sent once more: a guard is every check that refuses
 *   the row. Each module is first loaded once through the same loader unmutated, as a control: it
 *   must still refuse.
 * - A row refused with a named outcome for the world it points at (an image that does not exist, a
 *   Region without a key): its guard is named here (GUARDED_OUTCOMES) and removed the same way.
 *   The rows that send an account outside the organization are proven in hostile-mutants.test.ts.
 * - A row that Step Functions itself refuses (an execution input over the 256 KiB quota never
 *   starts) runs nothing of amiwarden's: the list is pinned (REFUSED_BY_STEP_FUNCTIONS), and with
 *   the local runner's quota (local/limits.ts) raised, each must fail.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { HostileInput } from '../../fixtures/hostile-inputs';
import { HOSTILE_INPUTS, useHostileWorld, type Mutant } from './hostile-harness';
import { isReadOnly } from '../../../emulator/read-only';
import { mutatingCalls } from './support';

/** The failure path's and the harness's own calls (support.ts leaves them out of the oracle too). */
const FAILURE_PATH = ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'];

const ROOT = path.resolve(__dirname, '../../..');
const { world, hostile, send, expectResponse } = useHostileWorld();
let limitsMocked = false;
const label = (h: HostileInput) => `${h.target}: ${h.name}`;

/** Rows Step Functions refuses before any state runs: nothing of amiwarden's refuses them. */
const REFUSED_BY_STEP_FUNCTIONS = [
  'launch-failure: event with a 1 MB StatusMessage',
  'reencrypt-and-share: event with a 1 MB detail field',
  'reencrypt-and-share: manual imageId of 1 MB',
];
/** Proven in hostile-mutants.test.ts (the organization check removed). */
const OUTSIDER_ROWS = [
  'diagnose-launch-failure: manual account outside the organization',
  'grant-key-access: an account outside the organization, with its own role',
  'launch-failure: manual account outside the organization',
];

/** A check: the line of a module of amiwarden's that refuses, and the statement on it that does. */
interface Site {
  file: string;
  line: number;
  /** The text on that line that refuses (`throw new InvalidInputError`, `return outcome(`…). */
  refusal: string;
}
const siteName = (s: Site) => `${s.file}:${s.line}`;

/** Rows refused with an outcome for their world: the statements that return it (several when it is refused more than once over). */
const GUARDED_OUTCOMES: Record<string, { file: string; near: string; refusal: string }[]> = {
  'copy-image: a region that is not configured': [
    { file: 'services/reencrypt-and-share.ts', near: "if (!keyArn) return outcome('refused'", refusal: 'return' },
    { file: 'services/reencrypt-and-share.ts', near: "return outcome('refused', { finding: `The image ${input.sourceImageId} is no longer an available image", refusal: 'return' },
  ],
  'reencrypt-and-share: manual well-formed AMI id that does not exist': [{ file: 'core/image.ts', near: "if (!image) return result('not-found'", refusal: 'return' }],
  'inspect-image: the image of another account, well formed': [{ file: 'core/image.ts', near: "if (!image) return result('not-found'", refusal: 'return' }],
};

const lineOf = (file: string, near: string): number => {
  const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  const found = lines.findIndex((l) => l.includes(near));
  if (found < 0) throw new Error(`guard: ${file} no longer has ${near}`);
  if (lines.findIndex((l, i) => i > found && l.includes(near)) >= 0) throw new Error(`guard: ${near} is not unique in ${file}`);
  return found + 1;
};

/** A mutated module sits beside the real one (so that its imports resolve as the real one's) under this name. */
const MUTANT_SUFFIX = '.guard-mutant.ts';
const realFile = (file: string) => (file.endsWith(MUTANT_SUFFIX) ? file.slice(0, -MUTANT_SUFFIX.length) + '.ts' : file);

/** Where an InvalidInputError was thrown: the first frame of amiwarden's code below core/errors.ts. */
function throwSite(error: unknown): Site {
  const stack = String((error as Error).stack ?? '');
  for (const match of stack.matchAll(/\(?((?:\/[^\s():]+)+\.ts):(\d+):\d+\)?/g)) {
    const file = realFile(path.relative(ROOT, match[1]!));
    if (!/^(core|services|functions|adapters)\//.test(file) || file === 'core/errors.ts') continue;
    return { file, line: Number(match[2]), refusal: 'throw new InvalidInputError' };
  }
  throw new Error(`no throw site of amiwarden's in: ${stack.split('\n').slice(0, 6).join(' | ')}`);
}

/** Records the InvalidInputError a Lambda the row reaches throws (the workflow keeps only its name and message). */
function recordingThrows(sites: Site[]): Mutant {
  return {
    wrap: (real) => async (payload) => {
      try {
        return await real(payload);
      } catch (error) {
        if ((error as Error).name === 'InvalidInputError') sites.push(throwSite(error));
        throw error;
      }
    },
  };
}

/** The module's source with the refusal on each site's line doing nothing (`throw`/`return` → `void`); lines keep their numbers. */
function mutatedSource(file: string, sites: Site[]): string {
  const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  for (const site of sites) {
    const text = lines[site.line - 1] ?? '';
    const at = text.indexOf(site.refusal);
    if (at < 0) throw new Error(`guard: ${siteName(site)} does not read ${site.refusal}: ${text.trim()}`);
    const keyword = site.refusal.startsWith('throw') ? 'throw' : 'return';
    lines[site.line - 1] = `${text.slice(0, at)}void${text.slice(at + keyword.length)}`;
  }
  return lines.join('\n');
}

/** Modules replaced by a mutant (undone by restore()). */
const mutants: { real: string; mutant: string }[] = [];

/** Loads the mutated modules (and `unchanged` ones through the same loader, as a control) in place of the real ones, for the next cold start. */
function withoutGuards(sites: Site[], unchanged: string[] = []): void {
  restore();
  const byFile = new Map<string, Site[]>(unchanged.map((file) => [file, []]));
  for (const s of sites) byFile.set(s.file, [...(byFile.get(s.file) ?? []), s]);
  for (const [file, fileSites] of byFile) {
    const real = path.join(ROOT, file);
    const mutant = real.slice(0, -'.ts'.length) + MUTANT_SUFFIX;
    writeFileSync(mutant, mutatedSource(file, fileSites));
    mutants.push({ real, mutant });
    jest.doMock(real, () => jest.requireActual(mutant));
  }
}

function restore(): void {
  for (const { real, mutant } of mutants.splice(0)) {
    jest.dontMock(real);
    rmSync(mutant, { force: true });
  }
  jest.resetModules();
}

/**
 * Broken code must not be let loose on the emulator (a row of 10,000 grants would make them all):
 * the first call that would change something is refused before it is sent, and counted.
 */
function stopAtFirstChange(): { changes: string[] } {
  const seen = { changes: [] as string[] };
  // The SDK of the next cold start (every client's send is @smithy/core's Client.prototype.send).
  const { Client } = require('@smithy/core/client') as { Client: { prototype: { send: (...args: unknown[]) => unknown } } };
  const real = Client.prototype.send;
  jest.spyOn(Client.prototype, 'send').mockImplementation(function (this: { config?: { serviceId?: string } }, ...args: unknown[]) {
    const command = args[0] as { constructor: { name: string }; input?: { DryRun?: boolean } };
    const service = String(this.config?.serviceId ?? '').toLowerCase().replace(/\s+/g, '');
    const action = command.constructor.name.replace(/Command$/, '');
    if (!isReadOnly({ service, action }) && !FAILURE_PATH.includes(`${service}:${action}`) && command.input?.DryRun !== true) {
      seen.changes.push(`${service}:${action}`);
      return Promise.reject(Object.assign(new Error(`mutant stopped before ${service}:${action}`), { name: 'MutantStoppedBeforeAChange' }));
    }
    return real.apply(this, args);
  });
  return seen;
}

/** Sends the row and says whether it is still refused exactly as it expects, with no change (sent or stopped). */
async function stillRefused(entry: HostileInput, mutant?: Mutant, mutated = false): Promise<boolean> {
  await world.emulator().clearCalls();
  const stopped = mutated ? stopAtFirstChange() : { changes: [] };
  try {
    const result = await send(entry, mutant);
    expectResponse(entry, result);
  } catch {
    // Not refused as it expects (the harness's own checks of the failure path included).
    return false;
  }
  return mutatingCalls(await world.emulator().calls()).length === 0 && stopped.changes.length === 0;
}

interface Proof {
  guard: Site[];
  /** Still refused, as expected, without the whole guard (must be false). */
  refused: boolean;
  problem?: string;
}

/**
 * For every row refused by its shape: the checks that refuse it, one after the other, until it is
 * no longer refused. Rows that share a guard are sent under one cold start.
 */
async function proveShapeRows(rows: HostileInput[]): Promise<Map<string, Proof>> {
  const proofs = new Map<string, Proof>();
  let pending: { entry: HostileInput; guard: Site[] }[] = [];
  for (const entry of rows) {
    const seen: Site[] = [];
    const refused = await stillRefused(entry, recordingThrows(seen));
    if (!refused || seen.length === 0) proofs.set(label(entry), { guard: [], refused, problem: refused ? 'no check of amiwarden’s was seen refusing it' : 'not refused to begin with' });
    else pending.push({ entry, guard: [seen[0]!] });
  }
  const controlled = new Set<string>();
  for (let round = 0; pending.length > 0; round++) {
    const groups = new Map<string, typeof pending>();
    for (const p of pending) {
      const key = p.guard.map(siteName).sort().join(' ');
      groups.set(key, [...(groups.get(key) ?? []), p]);
    }
    const next: typeof pending = [];
    for (const group of groups.values()) {
      const guard = group[0]!.guard;
      // The loader itself changes nothing: each module, loaded through it unmutated, still refuses.
      for (const file of new Set(guard.map((g) => g.file))) {
        if (controlled.has(file)) continue;
        controlled.add(file);
        withoutGuards([], [file]);
        if (!(await stillRefused(group[0]!.entry, undefined, true))) proofs.set(`control ${file}`, { guard, refused: false, problem: `${file} loaded unmutated no longer refuses ${label(group[0]!.entry)}` });
      }
      withoutGuards(guard);
      for (const { entry } of group) {
        const seen: Site[] = [];
        const refused = await stillRefused(entry, recordingThrows(seen), true);
        const another = seen.find((s) => !guard.some((g) => siteName(g) === siteName(s)));
        if (!refused) proofs.set(label(entry), { guard, refused });
        else if (!another || round >= 5) proofs.set(label(entry), { guard, refused, problem: 'still refused, and no other check of amiwarden’s was seen refusing it' });
        else next.push({ entry, guard: [...guard, another] });
      }
      restore();
    }
    pending = next;
  }
  return proofs;
}

const shapeRows = HOSTILE_INPUTS.filter((h) => 'error' in h.expected);
const outcomeRows = HOSTILE_INPUTS.filter((h) => 'outcome' in h.expected && !OUTSIDER_ROWS.includes(label(h)));

describe('every row of the hostile-input corpus fails with its guard removed', () => {
  it('leaves no row out: each is refused for its shape, for its world, or by Step Functions', () => {
    const kinds = HOSTILE_INPUTS.map((h) => {
      if ('stepFunctions' in h.expected) return 'step-functions';
      if ('outcome' in h.expected) return OUTSIDER_ROWS.includes(label(h)) ? 'outsider' : 'outcome';
      return 'shape';
    });
    expect(HOSTILE_INPUTS.filter((_, i) => kinds[i] === 'step-functions').map(label)).toEqual(REFUSED_BY_STEP_FUNCTIONS);
    expect(HOSTILE_INPUTS.filter((_, i) => kinds[i] === 'outsider').map(label).sort()).toEqual(OUTSIDER_ROWS);
    expect(outcomeRows.map(label).sort()).toEqual(Object.keys(GUARDED_OUTCOMES).sort());
    expect(shapeRows.length + outcomeRows.length + REFUSED_BY_STEP_FUNCTIONS.length + OUTSIDER_ROWS.length).toBe(HOSTILE_INPUTS.length);
  });

  let proofs: Map<string, Proof>;
  beforeAll(async () => {
    proofs = await proveShapeRows(shapeRows);
  }, 900_000);
  afterAll(() => restore());

  it('loads every guard’s module through the mutant loader unmutated once, and it still refuses (the control)', () => {
    expect([...proofs].filter(([name]) => name.startsWith('control ')).map(([, p]) => p.problem)).toEqual([]);
  });

  it.each(shapeRows.map((h) => [label(h)] as const))('without the checks that refuse it: %s', (name) => {
    const proof = proofs.get(name)!;
    expect({ problem: proof.problem, refused: proof.refused }).toEqual({ problem: undefined, refused: false });
    expect(proof.guard.length).toBeGreaterThan(0);
    for (const site of proof.guard) expect(readFileSync(path.join(ROOT, site.file), 'utf8').split('\n')[site.line - 1]).toContain('throw new InvalidInputError');
  });

  it.each(outcomeRows.map((h) => [label(h), h] as const))('without the statement that refuses it: %s', async (_label, entry) => {
    const named = GUARDED_OUTCOMES[label(entry)]!;
    expect(await stillRefused(entry)).toBe(true);
    withoutGuards(named.map(({ file, near, refusal }) => ({ file, line: lineOf(file, near), refusal })));
    expect(await stillRefused(entry, undefined, true)).toBe(false);
  }, 60_000);

  it.each(REFUSED_BY_STEP_FUNCTIONS.map((name) => [name, HOSTILE_INPUTS.find((h) => label(h) === name)!] as const))(
    'without Step Functions’ payload quota (the local runner’s, raised): %s',
    async (_label, entry) => {
      expect(await stillRefused(entry)).toBe(true);
      jest.resetModules();
      limitsMocked = true;
      jest.doMock(path.join(ROOT, 'local/limits.ts'), () => ({ ...jest.requireActual<object>(path.join(ROOT, 'local/limits.ts')), PAYLOAD_LIMIT_BYTES: Number.MAX_SAFE_INTEGER }));
      const { runWorkflow } = await import('../../../local/state-machine');
      const report = await runWorkflow(entry.target, entry.input(hostile()));
      // The execution starts: whatever happens next, it is not Step Functions refusing the input.
      expect(report.path.length).toBeGreaterThan(0);
      expect(report.error?.name).not.toBe('States.DataLimitExceeded');
    },
    60_000,
  );
});

afterEach(() => {
  restore();
  if (limitsMocked) jest.dontMock(path.join(ROOT, 'local/limits.ts'));
  limitsMocked = false;
});
