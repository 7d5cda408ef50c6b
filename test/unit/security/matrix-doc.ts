/**
 * The matrix tables of docs/security.md, written from cases.ts: one row per case, numbered in the
 * order of the file (`npm run docs:matrix` rewrites them; iam-matrix.test.ts fails when they are
 * stale, so that the doc lists every case and nothing else).
 */
import { GRANT_OPERATIONS, MATRIX, REVOKE_POLICY_MATRIX } from './cases';
import type { MatrixCase } from './support/simulate';
import { CENTRAL_BUS, IMAGE, KEY, OTHER_KEY, REPORT_BUCKET } from './support/world';

const NAMES: [string, string][] = [
  [KEY, 'central key'],
  [OTHER_KEY, 'unconfigured central key'],
  [CENTRAL_BUS, 'central bus'],
  [IMAGE, 'central image'],
  [REPORT_BUCKET, 'report bucket'],
];

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const named = (value: string) => NAMES.reduce((text, [arn, name]) => text.split(arn).join(name), value);

function resource(c: MatrixCase): string {
  const parts = [named(c.resource)];
  if (c.resourceAccount) parts.push(`owned by ${c.resourceAccount}`);
  const policies = [c.resourcePolicy, c.serviceControlPolicy && `SCP ${c.serviceControlPolicy}`].filter(Boolean);
  if (policies.length > 0) parts.push(`(${policies.join('; ')})`);
  return parts.join(' ');
}

function value(v: string | string[] | null): string {
  if (v === null) return '(absent)';
  if (Array.isArray(v)) return JSON.stringify(v) === JSON.stringify(GRANT_OPERATIONS) ? 'the 8 ops' : v.map(named).join('+');
  return named(v);
}

function context(c: MatrixCase): string {
  const keys = Object.entries(c.context ?? {}).map(([key, v]) => `${key}=${value(v)}`);
  const parameters = Object.entries(c.centralParameters ?? {}).map(([key, v]) => `${key}=${v}`);
  const member = Object.entries(c.memberParameters ?? {}).map(([key, v]) => `${key}=${Array.isArray(v) ? v.join('+') : v}`);
  return [...keys, ...(parameters.length > 0 ? [`[deployed with ${parameters.join(', ')}]`] : []), ...(member.length > 0 ? [`[member stack with ${member.join(', ')}]`] : [])].join(', ');
}

const HEADER = ['| # | principal | action | resource (policy) | context | decision — why |', '|---|---|---|---|---|---|'];

function table(cases: MatrixCase[], number: (i: number) => string): string {
  const rows = cases.map((c, i) => {
    const decision = `**${c.expect}**${c.gap ? ' (gap)' : ''} — ${c.why}`;
    return `| ${number(i)} | ${cell(c.principal)} | ${cell(c.action)} | ${cell(resource(c))} | ${cell(context(c))} | ${cell(decision)} |`;
  });
  return [...HEADER, ...rows].join('\n');
}

export const matrixTable = () => table(MATRIX, (i) => String(i + 1));
export const revokeMatrixTable = () => table(REVOKE_POLICY_MATRIX, (i) => `R${i + 1}`);

const between = (doc: string, name: string, content: string): string => {
  const start = `<!-- ${name}:start (npm run docs:matrix) -->`;
  const end = `<!-- ${name}:end -->`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`docs/security.md has no ${start} … ${end}`);
  return `${doc.slice(0, from + start.length)}\n${content}\n${doc.slice(to)}`;
};

/** docs/security.md with both tables written from the cases. */
export const withMatrixTables = (doc: string): string => between(between(doc, 'matrix', matrixTable()), 'matrix-revoke', revokeMatrixTable());
