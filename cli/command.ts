/** A CLI command: its name, one-line summary, help text and what it does (an exit code, never process.exit). */
import type { CliContext } from './context';

export interface Command {
  name: string;
  summary: string;
  /** Usage line, e.g. `amiwarden show <execution-arn> [options]`. */
  usage: string;
  /** [option, description] */
  options: [string, string][];
  examples: string[];
  run(argv: string[], ctx: CliContext): Promise<number>;
}

export const STACK_HELP: [string, string][] = [
  ['--stack NAME', 'the central stack (default: $AMIWARDEN_STACK or amiwarden-dev)'],
  ['--stack-region REGION', "the stack's region (default: the AWS SDK's, e.g. $AWS_REGION)"],
  ['--profile NAME', 'the AWS profile to use'],
];

export const LOCAL_HELP: [string, string][] = [
  ['--local', 'the local sandbox instead of AWS (docs/cli.md "--local")'],
  ['--local-dir DIR', 'with --local: where local runs keep their records and reports (default ./amiwarden-local, or $AMIWARDEN_LOCAL_DIR)'],
];

export const COMMON_HELP: [string, string][] = [
  ['--json', 'print one JSON object on stdout (for scripts); progress stays on stderr'],
  ['--output table|json', 'table (default, for people) or json (the same as --json)'],
  ['-h, --help', 'this help'],
];

export function helpText(command: Command): string[] {
  return [
    `${command.usage}`,
    '',
    `  ${command.summary}`,
    '',
    'Options:',
    ...command.options.map(([o, d]) => `  ${o.padEnd(26)}${d}`),
    ...(command.examples.length ? ['', 'Examples:', ...command.examples.map((e) => `  ${e}`)] : []),
  ];
}
