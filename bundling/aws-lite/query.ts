/** The query protocol of STS, IAM and Auto Scaling (and EC2's variant of it): a form-encoded POST of flat parameters, an XML answer. */
import { encode, LiteCommand, utf8, type LiteClient, type ResponseMetadata } from './client';
import { child, parseXml, xmlError, type XmlElement } from './xml';

type Scalar = string | number | boolean;

/**
 * The form body of a query request: scalars as they are, lists of scalars as `Name.member.1`,
 * `Name.member.2`, … (the awsQuery protocol; EC2's commands flatten their own lists).
 */
export function queryBody(action: string, version: string, input: Record<string, unknown>): string {
  const params: string[] = [`Action=${encode(action)}`, `Version=${encode(version)}`];
  const add = (name: string, value: unknown) => {
    if (!['string', 'number', 'boolean'].includes(typeof value)) throw new TypeError(`${action}: ${name} is not a parameter this client can send`);
    params.push(`${encode(name)}=${encode(String(value as Scalar))}`);
  };
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) value.forEach((member, i) => add(`${name}.member.${i + 1}`, member));
    else add(name, value);
  }
  return params.join('&');
}

export abstract class QueryCommand<I extends Record<string, unknown>, O> extends LiteCommand<O & { $metadata: ResponseMetadata }> {
  protected abstract readonly action: string;
  protected abstract readonly version: string;
  constructor(readonly input: I) {
    super();
  }
  /** Reads the output from what resultOf gives. */
  protected abstract shape(result: XmlElement | undefined): O;
  /** The output's element: `<{Action}Result>` (STS, IAM); EC2's query protocol has none. */
  protected resultOf(root: XmlElement): XmlElement | undefined {
    return child(root, `${this.action}Result`);
  }
  /** The request's parameters, flat (EC2 names a list's members `Name.1`, `Name.2`, …). */
  protected params(): Record<string, unknown> {
    return this.input;
  }
  async sendWith(client: LiteClient) {
    const { response, $metadata } = await client.request(
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: queryBody(this.action, this.version, this.params()) },
      (r) => xmlError(utf8(r.body), r.status),
    );
    return { ...this.shape(this.resultOf(parseXml(utf8(response.body)))), $metadata };
  }
}
