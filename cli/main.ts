/**
 * amiwarden's command line: start and follow the deployed workflows (or run them on the local
 * emulator), list and show executions, and get the central key policy right.
 * `runCli` returns an exit code and never exits; bin/amiwarden.js is the process around it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { helpText, type Command } from './command';
import { defaultContext, type CliContext } from './context';
import { closest } from './args';
import { CliError, EXIT } from './errors';
import { executionsCommand, showCommand } from './executions';
import { checkKeyPolicyCommand, keyPolicyCommand } from './key-policy';
import { reportCommand } from './report';
import { workflowCommand } from './run';
import { WORKFLOW_COMMANDS } from './workflows';

export const COMMANDS: Command[] = [...WORKFLOW_COMMANDS.map(workflowCommand), reportCommand, executionsCommand, showCommand, keyPolicyCommand, checkKeyPolicyCommand];

export function usage(): string[] {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'usage: amiwarden <command> [options]',
    '',
    'Keeps KMS-encrypted AMIs usable across an AWS Organization.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Every command takes --local (the sandbox emulator instead of AWS), --json (or --output json) and --help.',
    'Progress goes to stderr; stdout carries only the result.',
    'Exit codes: 0 done (or nothing to do), 1 failed, 2 bad input, 3 found something that needs a person, 130 interrupted.',
    'Run `amiwarden <command> --help` for its options.',
    'Docs: docs/cli.md',
  ];
}

export async function runCli(argv: string[], context: Partial<CliContext> = {}): Promise<number> {
  const ctx: CliContext = { ...defaultContext(), ...context };
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      const topic = name === 'help' ? rest[0] : undefined;
      const command = topic ? find(topic) : undefined;
      // Without a command it is a usage error: the usage goes to stderr, stdout stays empty.
      (command ? helpText(command) : usage()).forEach((l) => (name === undefined ? ctx.io.err(l) : ctx.io.out(l)));
      if (name === undefined) return EXIT.usage;
      return EXIT.ok;
    }
    if (name === '--version' || name === '-v') {
      ctx.io.out(version());
      return EXIT.ok;
    }
    const command = find(name);
    return await command.run(rest, ctx);
  } catch (error) {
    const cli = error instanceof CliError ? error : undefined;
    const message = cli ? cli.message : `unexpected error: ${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`;
    const exitCode = cli ? cli.exitCode : EXIT.failed;
    ctx.io.err(`amiwarden: ${message}`);
    if (argv.includes('--json') || argv.some((a, i) => (a === '--output' && argv[i + 1] === 'json') || a === '--output=json')) ctx.io.out(JSON.stringify({ ok: false, error: { message, exitCode } }));
    return exitCode;
  }
}

function find(name: string): Command {
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const suggestion = closest(name, COMMANDS.map((c) => c.name));
    throw new CliError(`unknown command ${JSON.stringify(name)}${suggestion ? `: did you mean ${suggestion}?` : ''}; commands: ${COMMANDS.map((c) => c.name).join(', ')}`, EXIT.usage);
  }
  return command;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
