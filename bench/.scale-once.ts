import { measureSweepScale } from './sweep-scale';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const [a, r] = process.argv[2]!.split('x').map(Number);
void measureSweepScale({ accounts: a!, regions: r!, amis: Number(process.env.AMIS ?? 5000), stub: process.argv[3] !== 'emulator' }, (w) => process.stderr.write(`${w}\n`)).then((e) => {
  const { callsByAction, boundByAction, ...rest } = e;
  console.log(JSON.stringify(rest));
  const diff = Object.keys({ ...callsByAction, ...boundByAction }).filter((k) => callsByAction[k] !== boundByAction[k]).map((k) => `${k}: ${callsByAction[k] ?? 0} vs ${boundByAction[k] ?? 0}`);
  console.log(JSON.stringify(diff));
});
