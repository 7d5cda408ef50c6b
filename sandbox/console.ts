/**
 * The sandbox's voice: sections, steps with timings, states as they run, a table, checks.
 * The story (progress) goes to stderr; the results (the before/after tables and the checks) to
 * stdout, or, with --json, to stderr too so that stdout is the one JSON object. Colours only on a TTY.
 */
const colours = (tty: boolean) => {
  const paint = (code: string) => (text: string) => (tty && !process.env.NO_COLOR ? `\x1b[${code}m${text}\x1b[0m` : text);
  return { bold: paint('1'), dim: paint('2'), green: paint('32'), red: paint('31'), cyan: paint('36'), yellow: paint('33') };
};

export function createConsole(options: { verbose: boolean; json: boolean }) {
  const { bold, dim, green, red, cyan, yellow } = colours(process.stderr.isTTY === true);
  const result = colours(!options.json && process.stdout.isTTY === true);
  const story = { log: (line: string) => void process.stderr.write(`${line}\n`) };
  const results = { log: (line: string) => void (options.json ? process.stderr : process.stdout).write(`${line}\n`) };
  const console = story;
  const started = Date.now();
  const stamp = () => dim(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s]`);
  return {
    title: (text: string) => console.log(`\n${bold(text)}\n`),
    section: (text: string) => console.log(`\n${bold(cyan(text))}`),
    note: (text: string) => console.log(`${stamp()} ${text}`),
    event: (text: string) => console.log(`${stamp()} ${yellow('event')} ${text}`),
    state: (name: string, elapsedMs: number, target: string) => console.log(`${stamp()}   ${cyan(`[${target}]`)} ${dim('→')} ${name} ${dim(`(+${elapsedMs} ms)`)}`),
    outcome: (output: Record<string, unknown> | undefined, status: string) => {
      if (!output) return console.log(`${stamp()}   ${red(status)}`);
      const colour = /^(remediated|reencrypted|shared|handed-over)/.test(String(output.status)) ? green : output.status === 'no-action' ? dim : yellow;
      if (output.workflow === 'reencrypt-and-share') {
        const copy = output.copy as { imageId?: string; outcome?: string } | null;
        const what = copy?.imageId && copy.imageId !== output.sourceImageId ? `copy ${copy.imageId} (${copy.outcome})` : `${output.imageId} as it is`;
        console.log(`${stamp()}   ${colour(String(output.status))}: ${output.sourceImageId} was ${output.classification}; launched as ${what}`);
        for (const g of (output.grants as { account?: string; outcome?: string }[] | null) ?? []) console.log(`${' '.repeat(10)}${g.account}: ${g.outcome}`);
        const pointer = (output.publication as { pointer?: { outcome?: string; parameterName?: string | null; previousImageId?: string | null; imageId?: string } } | undefined)?.pointer;
        if (pointer?.parameterName) console.log(`${' '.repeat(10)}pointer ${pointer.parameterName}: ${pointer.outcome} (${pointer.previousImageId ?? 'none'} → ${pointer.imageId})`);
        return;
      }
      const launcher = output.autoScalingGroupName ?? (output.launcher as { name?: string } | undefined)?.name;
      console.log(`${stamp()}   ${colour(String(output.status))}: ${output.cause} in ${output.account}/${launcher}`);
      if (typeof output.finding === 'string') console.log(`${' '.repeat(10)}${dim(output.finding)}`);
      for (const g of (output.grants as { grantId?: string; granteePrincipal?: string }[] | undefined) ?? []) {
        console.log(`${' '.repeat(10)}grant ${g.grantId?.slice(0, 16)}… for ${g.granteePrincipal?.split('/').pop()}`);
      }
    },
    async step<T>(text: string, work: () => Promise<T>): Promise<T> {
      const t0 = Date.now();
      const result = await work();
      console.log(`${stamp()} ${text} ${dim(`(${Date.now() - t0} ms)`)}`);
      return result;
    },
    /** A heading of the results (stdout). */
    heading: (text: string) => results.log(`\n${result.bold(result.cyan(text))}`),
    table(headers: string[], rows: string[][]) {
      const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
      const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
      results.log(result.bold(line(headers)));
      for (const row of rows) results.log(line(row));
    },
    check: (text: string, ok: boolean) => results.log(`${ok ? result.green('✔') : result.red('✘')} ${text}`),
  };
}
