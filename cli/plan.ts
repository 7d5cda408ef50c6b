/**
 * A workflow's result as a plan (a dry run: what would be created, changed or left, per target) or
 * as what it did (a real run: every id a person needs to find it in the console), ending with one
 * count line the way `terraform plan` ends: `Plan: 1 to create, 0 to change, 2 left as they are.`
 * Each workflow's output has its own reader; `outcomeOf` turns a result into an exit code.
 */
import type { ChildExecution } from './context';
import { EXIT } from './errors';
import { oneLine, statusColour, type ExecutionResult } from './execution';
import { seconds, table, type Output, type Style } from './output';
import { paintSeverity } from './sweep-output';
import type { SweepFinding, SweepResults } from './sweep-results';
import { executionTarget } from './targets';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]).map(obj) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const tail = (arn: unknown) => String(arn ?? '').split('/').pop() ?? '';

export interface Counts {
  create: number;
  change: number;
  leave: number;
  /** Found and not fixed: needs a person (exit 3). */
  attention: number;
}

export const noCounts = (): Counts => ({ create: 0, change: 0, leave: 0, attention: 0 });

/** One line of a plan or a result: `+` create, `~` change, `=` left as it is, `!` needs a person. */
export interface Item {
  mark: '+' | '~' | '=' | '!';
  text: string;
  details?: [string, string][];
}

export interface Rendered {
  target: string;
  headline: string;
  /** Why, in a sentence (e.g. the diagnosis). */
  note?: string;
  items: Item[];
}

const COUNT: Record<Item['mark'], keyof Counts> = { '+': 'create', '~': 'change', '=': 'leave', '!': 'attention' };

export function countItems(items: Item[], into: Counts = noCounts()): Counts {
  for (const i of items) into[COUNT[i.mark]] += 1;
  return into;
}

function paintMark(mark: Item['mark'], s: Style): string {
  return mark === '+' ? s.green('+') : mark === '~' ? s.yellow('~') : mark === '!' ? s.red('!') : s.dim('=');
}

export function printRendered(io: Output, s: Style, r: Rendered): void {
  io.out(`${s.cyan(`[${r.target}]`)}  ${s.bold(r.headline)}`);
  if (r.note) io.out(`  ${s.dim(r.note)}`);
  for (const item of r.items) {
    io.out(`  ${paintMark(item.mark, s)} ${item.text}`);
    const pad = Math.max(0, ...(item.details ?? []).map(([k]) => k.length));
    for (const [k, v] of item.details ?? []) io.out(`      ${s.dim(k.padEnd(pad))}  ${v}`);
  }
}

/** `Plan: 1 to create, 0 to change, 2 left as they are.` or `Result: 1 created, …`, and what needs a person. */
export function countLine(counts: Counts, plan: boolean, sweep?: { enforce: boolean }): string {
  const needs = counts.attention ? `; ${counts.attention} need${counts.attention === 1 ? 's' : ''} a person` : '';
  // A sweep's `+` lines are remediations (another workflow creates and changes).
  if (sweep) return plan ? `Plan: ${counts.create} to remediate${sweep.enforce ? '' : ' with --mode enforce'}${needs}.` : `Result: ${counts.create} remediated${needs}.`;
  return plan
    ? `Plan: ${counts.create} to create, ${counts.change} to change, ${counts.leave} left as they are${needs}.`
    : `Result: ${counts.create} created, ${counts.change} changed, ${counts.leave} left as they were${needs}.`;
}

// ---------------------------------------------------------------------------------------------
// launch-failure: {status, cause, account, region, autoScalingGroupName, grants | grantsNeeded, finding, fix, …}

export function renderLaunchFailure(output: Json): Rendered {
  const target = executionTarget('launch-failure', output);
  const status = String(output.status ?? '?');
  const items: Item[] = [];
  const grantDetails = (g: Json): [string, string][] => [
    ['key', String(g.keyArn ?? '?')],
    ['grantee', String(g.granteePrincipal ?? '?')],
    ...(str(g.name) ? ([['name', String(g.name)]] as [string, string][]) : []),
  ];
  if (status === 'planned') {
    if (output.createServiceLinkedRole === true && output.cause === 'service-linked-role-missing') items.push({ mark: '+', text: `would create the service-linked role ${tail(output.serviceLinkedRoleArn)}`, details: [['role', String(output.serviceLinkedRoleArn ?? '?')]] });
    for (const g of arr(output.grantsNeeded)) items.push({ mark: '+', text: `would create a grant for ${tail(g.granteePrincipal)}`, details: grantDetails(g) });
  } else if (status === 'remediated') {
    if (output.serviceLinkedRoleCreated === true) items.push({ mark: '+', text: `created the service-linked role ${tail(output.serviceLinkedRoleArn)}`, details: [['role', String(output.serviceLinkedRoleArn ?? '?')]] });
    for (const g of arr(output.grants)) items.push({ mark: '+', text: `created grant ${String(g.grantId ?? '?')} for ${tail(g.granteePrincipal)}`, details: grantDetails(g) });
  } else if (status === 'handed-over') {
    items.push({ mark: '~', text: `handed ${String(output.imageId ?? 'the AMI')} to re-encryption`, details: str(output.reencryption) ? [['execution', String(output.reencryption)]] : [] });
  } else if (status === 'no-action') {
    items.push({ mark: '=', text: `nothing to do${str(output.finding) ? `: ${String(output.finding)}` : ''}` });
  } else {
    items.push({ mark: '!', text: String(output.finding ?? 'a finding'), details: str(output.fix) ? [['fix', String(output.fix)]] : [] });
  }
  const why = str(output.finding) && (status === 'remediated' || status === 'planned' || status === 'handed-over') ? String(output.finding) : undefined;
  return { target, headline: `${status}${output.cause ? ` (${String(output.cause)})` : ''}`, items, ...(why ? { note: why } : {}) };
}

// ---------------------------------------------------------------------------------------------
// reencrypt-and-share: {status, classification, sourceImageId, imageId, found, copy, sharing, grants, publication, launchTemplates, original, finding}

export function renderReencrypt(output: Json): Rendered {
  const source = String(output.sourceImageId ?? output.imageId ?? '?');
  const target = `${source} ${String(output.region ?? '?')}`;
  const status = String(output.status ?? '?');
  const items: Item[] = [];
  const copy = obj(output.copy);
  const sharing = obj(output.sharing);
  const key = (k: unknown) => (str(k) ? [['key', String(k)]] as [string, string][] : []);
  if (status === 'finding' || status === 'not-found') {
    items.push({ mark: '!', text: String(output.finding ?? copy.finding ?? sharing.finding ?? 'a finding') });
    return { target, headline: `${status}${output.classification ? ` (${String(output.classification)})` : ''}`, items };
  }
  for (const snap of arr(output.found)) {
    items.push({ mark: '=', text: `found ${String(snap.snapshotId ?? '?')} (${String(snap.deviceName ?? '?')}): ${snap.encrypted ? (snap.keyManager === 'AWS' ? 'on the AWS managed key' : snap.keyManager === 'CUSTOMER' ? 'on a customer managed key' : 'encrypted') : 'unencrypted'}`, details: key(snap.kmsKeyId) });
  }
  const copyId = str(copy.imageId);
  switch (copy.outcome) {
    case 'planned':
      items.push({ mark: '+', text: `would copy ${source} as "${String(copy.name ?? '')}"`, details: key(copy.kmsKeyId) });
      break;
    case 'started':
      items.push({ mark: '+', text: `copied ${source} to ${copyId ?? '?'} "${String(copy.name ?? '')}"`, details: key(copy.kmsKeyId) });
      break;
    case 'reused':
      items.push({ mark: '=', text: `copy ${copyId ?? '?'} already exists`, details: key(copy.kmsKeyId) });
      break;
  }
  const shareId = String(sharing.imageId ?? copyId ?? source);
  const added = arr(sharing.added).map((p) => String(p.UserId ?? p.OrganizationArn ?? p.OrganizationalUnitArn ?? '?'));
  const already = arr(sharing.alreadyShared).map((p) => String(p.UserId ?? p.OrganizationArn ?? p.OrganizationalUnitArn ?? '?'));
  if (added.length) items.push({ mark: '~', text: `${sharing.outcome === 'planned' ? 'would share' : 'shared'} ${shareId} with ${added.join(', ')}` });
  if (already.length) items.push({ mark: '=', text: `${shareId} already shared with ${already.join(', ')}` });
  if (str(sharing.finding)) items.push({ mark: '!', text: String(sharing.finding) });
  for (const access of arr(output.grants)) {
    for (const g of arr(access.grants)) {
      const role = tail(g.granteePrincipal);
      if (g.planned === true || access.outcome === 'planned') items.push({ mark: '+', text: `would create a grant in ${String(access.account)} for ${role}`, details: key(g.keyArn) });
      else if (g.created === true) items.push({ mark: '+', text: `created grant ${String(g.grantId ?? '?')} in ${String(access.account)} for ${role}`, details: key(g.keyArn) });
      else items.push({ mark: '=', text: `grant ${String(g.grantId ?? '?')} in ${String(access.account)} for ${role} already there` });
    }
    if (str(access.finding)) items.push({ mark: '!', text: `${String(access.account)}: ${String(access.finding)}`, details: str(access.fix) ? [['fix', String(access.fix)]] : [] });
  }
  // The published image's lineage as EC2 reports it (publication.lineage.ancestry), when it goes back further than itself.
  const ancestry = obj(obj(obj(output.publication).lineage).ancestry);
  const chain = arr(ancestry.chain);
  if (chain.length > 1) {
    const links = chain.map((e, i) => `${String(e.imageId ?? '?')}${i > 0 && str(chain[i - 1]!.sourceImageRegion) ? ` (${String(chain[i - 1]!.sourceImageRegion)})` : ''}`);
    items.push({ mark: '=', text: `lineage (${String(ancestry.from ?? '?')}): ${links.join(' ← ')}` });
  }
  // Launch-template versions in opted-in accounts (launchTemplates: one result per account).
  const published = String(obj(output.publication).imageId ?? copyId ?? source);
  for (const account of arr(output.launchTemplates)) {
    const where = String(account.account ?? '?');
    if (str(account.finding)) items.push({ mark: '!', text: `${where}: ${String(account.finding)}` });
    for (const t of arr(account.templates)) {
      const id = String(t.launchTemplateId ?? '?');
      switch (t.outcome) {
        case 'version-created':
          items.push({ mark: '+', text: `created version ${String(t.version ?? '?')} of ${id} in ${where}, launching ${published}` });
          if (t.defaultVersion === t.version) items.push({ mark: '~', text: `made version ${String(t.version)} the default of ${id} in ${where}` });
          break;
        case 'default-set':
          items.push({ mark: '~', text: `made version ${String(t.version ?? '?')} the default of ${id} in ${where}` });
          break;
        case 'planned':
          items.push({ mark: '+', text: `would create a version of ${id} in ${where}, launching ${published}` });
          break;
        case 'current':
          items.push({ mark: '=', text: `${id} in ${where} already launches ${published}` });
          break;
        default:
          items.push({ mark: '!', text: `${id} in ${where}: ${String(t.finding ?? t.outcome ?? '?')}` });
      }
    }
  }
  const original = obj(output.original);
  if (original.outcome) {
    const o = String(original.outcome);
    const mark: Item['mark'] = o === 'kept' ? '=' : o === 'refused' ? '!' : o === 'planned' ? (original.action === 'keep' ? '=' : '~') : '~';
    items.push({ mark, text: `original ${String(original.sourceImageId ?? source)}: ${o}${original.action && o === 'planned' ? ` (${String(original.action)})` : ''}${str(original.finding) ? `: ${String(original.finding)}` : ''}` });
  }
  return { target, headline: `${status}${output.classification ? ` (${String(output.classification)})` : ''}${copyId && status !== 'planned' ? ` → ${copyId}` : ''}`, items };
}

// ---------------------------------------------------------------------------------------------
// compliance-sweep: the findings of its JSON report (cli/sweep-results.ts), grouped by account and region.

/** Per account and region: each finding as what the sweep would do (or did) about it. */
export function renderSweepFindings(results: SweepResults, output: Json, children: ChildExecution[] | undefined): Rendered[] {
  const enforce = output.mode === 'enforce';
  const dryRun = output.dryRun === true;
  const started = Number(output.remediationsStarted ?? 0);
  const groups = new Map<string, SweepFinding[]>();
  for (const f of results.findings) {
    const key = `${f.account} ${f.region}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const childFor = (f: SweepFinding) =>
    children?.find((c) => {
      const input = f.remediation?.input ?? {};
      return c.workflow === f.remediation?.workflow && Object.entries(input).every(([k, v]) => JSON.stringify((c.input as Json | undefined)?.[k]) === JSON.stringify(v));
    });
  const rendered: Rendered[] = [];
  for (const [target, findings] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const items: Item[] = findings.map((f) => {
      const what = `${f.resource}: ${f.finding} (${f.severity})`;
      if (!f.remediation) return { mark: '!', text: `${what}: ${f.action}` };
      const by = f.remediation.workflow;
      if (!enforce || dryRun) return { mark: '+', text: `${what}: ${enforce ? 'would start' : '`--mode enforce` would start'} ${by}` };
      const child = childFor(f);
      if (child) {
        const ok = child.status === 'SUCCEEDED' && obj(child.output).status !== 'finding';
        return { mark: ok ? '+' : '!', text: `${what}: ${by} ${child.status}${str(obj(child.output).status) ? ` (${String(obj(child.output).status)})` : ''}`, details: [['execution', child.executionArn]] };
      }
      return { mark: started > 0 ? '+' : '!', text: `${what}: ${started > 0 ? 'remediation started' : 'not started'} (${by})` };
    });
    rendered.push({ target, headline: `${findings.length} finding(s)`, items });
  }
  return rendered;
}

// ---------------------------------------------------------------------------------------------

export interface PrintContext {
  /** The run was a dry run (or its output says it planned only). */
  plan: boolean;
  sweepResults?: SweepResults;
  children?: ChildExecution[];
}

/** Prints a workflow's output as a plan or a result and returns its counts. */
export function printPlanOrResult(io: Output, s: Style, workflow: string, output: Json, ctx: PrintContext): Counts {
  const counts = noCounts();
  if (workflow === 'launch-failure') {
    const r = renderLaunchFailure(output);
    printRendered(io, s, r);
    countItems(r.items, counts);
  } else if (workflow === 'reencrypt-and-share') {
    const r = renderReencrypt(output);
    printRendered(io, s, r);
    countItems(r.items, counts);
  } else if (workflow === 'compliance-sweep' && ctx.sweepResults) {
    const groups = renderSweepFindings(ctx.sweepResults, output, ctx.children);
    for (const r of groups) {
      printRendered(io, s, r);
      countItems(r.items, counts);
    }
    if (groups.length === 0) io.out(s.dim('  no findings'));
  }
  return counts;
}

/** The children a local sweep ran, as a table. */
export function printChildrenTable(io: Output, s: Style, children: ChildExecution[]): void {
  const target = (c: ChildExecution) => executionTarget(c.workflow, c.input ?? c.output);
  const outcome = (c: ChildExecution) => {
    if (c.error) return `${c.error.name}${c.error.cause ? `: ${oneLine(c.error.cause)}` : ''}`;
    const o = obj(c.output);
    const status = String(o.status ?? '');
    if (c.workflow === 'reencrypt-and-share' && o.imageId && o.sourceImageId && o.imageId !== o.sourceImageId) return `${status} → ${String(o.imageId)}`;
    if (c.workflow === 'launch-failure' && o.cause) return `${status} (${String(o.cause)})`;
    return status;
  };
  table(
    ['WORKFLOW', 'TARGET', 'STATUS', 'TOOK', 'RESULT', 'EXECUTION'],
    children.map((c) => [c.workflow, target(c), statusColour(c.status, s), seconds(c.durationMs), outcome(c), c.executionArn]),
    s,
  ).forEach((l) => io.out(`  ${l}`));
}

/** The exit code of a workflow command (cli/errors.ts EXIT). */
export function outcomeOf(result: Pick<ExecutionResult, 'status' | 'output'>, counts: Counts, children: ChildExecution[] = []): number {
  if (result.status !== 'SUCCEEDED') return EXIT.failed;
  const status = obj(result.output).status;
  if (status === 'finding' || status === 'not-found') return EXIT.attention;
  if (counts.attention > 0) return EXIT.attention;
  if (children.some((c) => c.status !== 'SUCCEEDED' || obj(c.output).status === 'finding')) return EXIT.attention;
  return EXIT.ok;
}

export { paintSeverity };
