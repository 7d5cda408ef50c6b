/**
 * What a line of progress is about, in brackets: `[111111111111 us-east-1 web]` for an Auto Scaling
 * group (or a Spot Fleet request / EC2 Fleet id), `[ami-0123… us-east-1]` for an image, `[central us-east-1]` for the central account's
 * images in a region, `[sweep]` for the sweep's own states. Read from the state's input (a Map
 * iteration's item names its account and region), else from the execution's input.
 */
type Json = Record<string, unknown>;

const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= 256 ? v : undefined);

/** The target an input names, if it names one. */
export function targetOf(input: unknown): string | undefined {
  const top = obj(input);
  if (!top) return undefined;
  // An input may wrap the request (`{request: …}` after "Take the request", `{input: …}` for a remediation item).
  for (const o of [top, obj(top.request), obj(top.input)]) {
    if (!o) continue;
    // An EventBridge event names its account and region at the top, the group or image in its detail.
    const detail = obj(o.detail);
    const account = text(o.account);
    const region = text(o.region);
    // A Spot Fleet request or EC2 Fleet: named by a manual request, by the diagnosis, or by a fleet event's one resource.
    const fleetArn = Array.isArray(o.resources) && /^aws\.ec2(spot)?fleet$/.test(String(o.source)) ? text(o.resources[0]) : undefined;
    const fleet = text(o.spotFleetRequestId) ?? text(o.fleetId) ?? fleetArn?.split('/').pop();
    const group = text(o.autoScalingGroupName) ?? text(detail?.AutoScalingGroupName) ?? fleet ?? text(obj(o.launcher)?.name);
    const image = text(o.sourceImageId) ?? text(o.imageId) ?? text(detail?.ImageId) ?? text(obj(detail?.responseElements)?.imageId);
    if (account && region && group) return `${account} ${region} ${group}`;
    if (image && region) return `${image} ${region}`;
    if (account && region) return `${account} ${region}`;
  }
  const region = text(top.region);
  if (region && (top.sampleMember !== undefined || top.runId !== undefined)) return `central ${region}`;
  return undefined;
}

const SHORT: Record<string, string> = { 'compliance-sweep': 'sweep' };

/** The target of a whole execution: what its input names, else the workflow's short name. */
export function executionTarget(workflow: string, input: unknown): string {
  return targetOf(input) ?? SHORT[workflow] ?? workflow;
}
