/**
 * Where the CLI writes, and how it looks: an injectable sink (tests capture it), colours only when
 * stdout is a terminal and NO_COLOR is unset, tables, durations.
 */
export interface Output {
  /** A line on stdout (the result, for people or scripts). */
  out(line: string): void;
  /** A line on stderr (errors, hints). */
  err(line: string): void;
  /** Whether ANSI colours may be used on stdout. */
  readonly color: boolean;
  /** Whether ANSI colours may be used on stderr (default: as on stdout). */
  readonly errColor?: boolean;
}

export function processOutput(stream: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream } = process, env = process.env): Output {
  return {
    out: (line) => void stream.stdout.write(`${line}\n`),
    err: (line) => void stream.stderr.write(`${line}\n`),
    color: stream.stdout.isTTY === true && !env.NO_COLOR,
    errColor: stream.stderr.isTTY === true && !env.NO_COLOR,
  };
}

/** Captures everything written: for tests and for `--json` callers that want the text. */
export function memoryOutput(color = false): Output & { stdout: string[]; stderr: string[]; text(): string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, color, out: (l) => void stdout.push(l), err: (l) => void stderr.push(l), text: () => stdout.join('\n') };
}

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

export function style(color: boolean): Style {
  const paint = (code: string) => (text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  return { bold: paint('1'), dim: paint('2'), green: paint('32'), red: paint('31'), yellow: paint('33'), cyan: paint('36') };
}

/** Visible width of a cell, ignoring ANSI colour codes. */
function width(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}

export function table(headers: string[], rows: string[][], s: Style): string[] {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c))))
      .join('  ')
      .trimEnd();
  return [s.bold(line(headers)), ...rows.map(line)];
}

export function seconds(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
