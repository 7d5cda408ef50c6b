/**
 * docs/image-pointers.md's Karpenter EC2NodeClass, held to Karpenter's published CRD
 * (test/fixtures/karpenter/, aws/karpenter-provider-aws v1.14.1): the documented object validates
 * against the CRD's OpenAPI v3 schema, and the parameter ARN it reads is the one amiwarden's pointer
 * code publishes. The CRD's CEL rules (x-kubernetes-validations) are not evaluated here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import { DEFAULT_POINTER_PREFIX } from '../../core/config';
import { parameterArn, pointerName } from '../../core/pointers';

const ROOT = join(__dirname, '..', '..');
const doc = readFileSync(join(ROOT, 'docs', 'image-pointers.md'), 'utf8');
const crd = parse(readFileSync(join(ROOT, 'test', 'fixtures', 'karpenter', 'karpenter.k8s.aws_ec2nodeclasses.yaml'), 'utf8')) as {
  spec: { group: string; names: { kind: string }; versions: { name: string; served: boolean; schema: { openAPIV3Schema: object } }[] };
};

/** The documented example: the fenced YAML block that declares an EC2NodeClass. */
function documentedNodeClass(): Record<string, unknown> {
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const block = blocks.find((b) => /^kind: EC2NodeClass$/m.test(b));
  if (!block) throw new Error('docs/image-pointers.md has no EC2NodeClass example');
  const docs = parseAllDocuments(block);
  expect(docs).toHaveLength(1);
  return docs[0]!.toJS() as Record<string, unknown>;
}

// OpenAPI v3 schemas carry Kubernetes keywords (x-kubernetes-*) and formats ajv does not know: ignored, not failed.
const validate = new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(crd.spec.versions.find((v) => v.name === 'v1')!.schema.openAPIV3Schema);

describe('the documented Karpenter EC2NodeClass', () => {
  it('is of the CRD’s group, served version and kind', () => {
    const nodeClass = documentedNodeClass();
    expect(nodeClass.apiVersion).toBe(`${crd.spec.group}/v1`);
    expect(nodeClass.kind).toBe(crd.spec.names.kind);
    expect(crd.spec.versions.find((v) => v.name === 'v1')?.served).toBe(true);
  });

  it('validates against the CRD’s schema', () => {
    const valid = validate(documentedNodeClass());
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it.each<[string, (spec: Record<string, unknown>) => void]>([
    ['a parameter that is not a string', (spec) => ((spec.amiSelectorTerms as Record<string, unknown>[])[0]!.ssmParameter = 42)],
    ['no amiSelectorTerms', (spec) => delete spec.amiSelectorTerms],
    ['no subnetSelectorTerms', (spec) => delete spec.subnetSelectorTerms],
    ['amiSelectorTerms that is not a list', (spec) => (spec.amiSelectorTerms = { ssmParameter: 'x' })],
  ])('is refused by the same schema with %s (the check can fail)', (_label, mutate) => {
    const nodeClass = documentedNodeClass();
    mutate(nodeClass.spec as Record<string, unknown>);
    expect(validate(nodeClass)).toBe(false);
  });

  it('reads the parameter ARN amiwarden publishes for the family, and so do the launch template and Terraform examples', () => {
    const arn = parameterArn('aws', 'us-east-1', '111122223333', pointerName(DEFAULT_POINTER_PREFIX, 'web'));
    const spec = documentedNodeClass().spec as { amiSelectorTerms: { ssmParameter?: string }[] };

    expect(spec.amiSelectorTerms.map((t) => t.ssmParameter)).toEqual([arn]);
    expect(doc).toContain(`"ImageId": "resolve:ssm:${arn}"`);
    expect(doc).toContain(`name = "${arn}"`);
  });
});
