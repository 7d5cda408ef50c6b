/**
 * Bundled handlers, each invocation in a fresh Node process as Lambda would load it (a cold start
 * every time), on the Node.js of the deployed runtime (serverless.yml `provider.runtime`; the
 * npm package `node` brings that binary, whatever the machine's own Node is), with the test's
 * environment. Jest's module sandbox cannot run a bundle: the SDK's lazy `import("node:http")`
 * needs Node's own loader. The result, or the error's name and message (what the state machine's
 * Retry and Catch match), come back over the IPC channel; the logs go to the test's output.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { lambdaNode } from '../../local/bundles';
import { ROOT } from '../../local/workflows';

export { lambdaNode };

/** The major Node.js version of the deployed Lambda runtime (`nodejs24.x` → 24). */
export function lambdaNodeMajor(): number {
  const runtime = /^\s+runtime:\s*nodejs(\d+)\.x\s*$/m.exec(readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8'));
  if (!runtime) throw new Error('serverless.yml names no nodejsNN.x runtime');
  return Number(runtime[1]);
}


const HOST = `
const { handler } = require(process.argv[1]);
process.once('message', (payload) => handler(payload).then(
  (result) => process.send({ result: result === undefined ? null : result }),
  (error) => process.send({ error: { name: error && error.name, message: error && error.message } }),
));`;

export function bundledHandler(bundle: string): (payload: unknown) => Promise<unknown> {
  return (payload) =>
    new Promise((resolve, reject) => {
      const child = spawn(lambdaNode(), ['-e', HOST, bundle], { env: process.env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
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
