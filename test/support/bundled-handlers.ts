/**
 * Bundled handlers, each invocation in a fresh Node process as Lambda would load it (a cold start
 * every time), with the test's environment. Jest's module sandbox cannot run a bundle: the SDK's
 * lazy `import("node:http")` needs Node's own loader. The result, or the error's name and message
 * (what the state machine's Retry and Catch match), come back over the IPC channel; the logs go to
 * the test's output.
 */
import { spawn } from 'node:child_process';

const HOST = `
const { handler } = require(process.argv[1]);
process.once('message', (payload) => handler(payload).then(
  (result) => process.send({ result: result === undefined ? null : result }),
  (error) => process.send({ error: { name: error && error.name, message: error && error.message } }),
));`;

export function bundledHandler(bundle: string): (payload: unknown) => Promise<unknown> {
  return (payload) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', HOST, bundle], { env: process.env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      let answer: { result?: unknown; error?: { name: string; message: string } } | undefined;
      child.on('message', (message) => {
        answer = message as typeof answer;
        child.disconnect();
      });
      child.on('error', reject);
      child.on('exit', (code) => {
        if (answer?.error) return reject(Object.assign(new Error(answer.error.message), { name: answer.error.name }));
        if (answer) return resolve(answer.result);
        reject(new Error(`${bundle} exited with ${code} and no answer:\n${output}`));
      });
      child.send(payload as never);
    });
}
