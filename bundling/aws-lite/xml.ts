/**
 * Reading the XML responses the lite clients parse (STS, IAM, Auto Scaling, EC2's launch templates,
 * S3): AWS's own element-only documents, read into a tree of elements and their text. Attributes,
 * comments and processing instructions are skipped; CDATA and entities are decoded.
 */
import { _parseRfc3339DateTimeWithOffset } from '@smithy/core/serde';

/** An XML timestamp (RFC 3339) as the SDK reads one (fractions of a millisecond rounded). */
export const xmlDate = (text: string): Date => _parseRfc3339DateTimeWithOffset(text) as Date;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)) : ENTITIES[e.toLowerCase()]!,
  );
}

export interface XmlElement {
  name: string;
  children: XmlElement[];
  /** The element's own text, decoded (a leaf's value). */
  text: string;
}

const TOKEN = /<!\[CDATA\[([\s\S]*?)\]\]>|<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<(\/?)([A-Za-z_][\w:.-]*)[^>]*?(\/?)>|([^<]+)/g;

/** The document's root element. Throws on a document whose elements do not close in order. */
export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', children: [], text: '' };
  const open: XmlElement[] = [root];
  for (const m of xml.matchAll(TOKEN)) {
    const [, cdata, closing, name, selfClosing, chars] = m;
    const current = open[open.length - 1]!;
    if (cdata !== undefined) current.text += cdata;
    else if (chars !== undefined) current.text += decodeXml(chars);
    else if (name === undefined) continue;
    else if (closing) {
      if (current.name !== name || open.length === 1) throw new SyntaxError(`XML: </${name}> closes <${current.name}>`);
      open.pop();
    } else {
      const element: XmlElement = { name, children: [], text: '' };
      current.children.push(element);
      if (!selfClosing) open.push(element);
    }
  }
  if (open.length !== 1) throw new SyntaxError(`XML: <${open[open.length - 1]!.name}> is not closed`);
  const [top] = root.children;
  if (!top) throw new SyntaxError('XML: no element');
  return top;
}

/** The first child of that name. */
export const child = (element: XmlElement | undefined, name: string): XmlElement | undefined => element?.children.find((c) => c.name === name);
/** Every child of that name. */
export const children = (element: XmlElement | undefined, name: string): XmlElement[] => element?.children.filter((c) => c.name === name) ?? [];
/** A leaf child's text, undefined when absent. */
export const value = (element: XmlElement | undefined, name: string): string | undefined => child(element, name)?.text;
/** The child at the end of a path of names. */
export const at = (element: XmlElement | undefined, ...path: string[]): XmlElement | undefined => path.reduce<XmlElement | undefined>((e, name) => child(e, name), element);

/** The leaves of an element that are present, as strings. */
export function fields<K extends string>(element: XmlElement | undefined, names: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const name of names) {
    const v = value(element, name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

function findFirst(element: XmlElement, name: string): XmlElement | undefined {
  if (element.name === name) return element;
  for (const c of element.children) {
    const found = findFirst(c, name);
    if (found) return found;
  }
  return undefined;
}

/**
 * An AWS XML error: `<Error><Code>…</Code><Message>…</Message></Error>`, alone (S3), in an
 * `<ErrorResponse>` (STS, IAM) or in `<Response><Errors>` (EC2). A body that is not one is named
 * by its status, as the SDK names it.
 */
export function xmlError(body: string, status: number): { code: string; message: string; requestId?: string } {
  let root: XmlElement | undefined;
  try {
    root = body.trim() ? parseXml(body) : undefined;
  } catch {
    root = undefined;
  }
  const error = root && findFirst(root, 'Error');
  const code = value(error, 'Code')?.trim() || httpErrorCode(status);
  const requestId = value(root, 'RequestId') ?? value(root, 'RequestID') ?? value(error, 'RequestId');
  return { code, message: value(error, 'Message') ?? code, ...(requestId ? { requestId } : {}) };
}

/** What the SDK names an error that came without a body it could read. */
export function httpErrorCode(status: number): string {
  return { 400: 'BadRequest', 403: 'Forbidden', 404: 'NotFound', 500: 'InternalServerError', 503: 'ServiceUnavailable' }[status] ?? `Http${status}`;
}
