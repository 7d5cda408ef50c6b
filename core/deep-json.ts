/**
 * JSON text of a JSON value however deeply it is nested. JSON.stringify recurses and throws
 * RangeError past a few thousand levels (Node 20: between 1,000 and 5,000), while JSON.parse, and
 * so a Lambda's event, takes far deeper input: the failure path must still keep such an input.
 * Same output as JSON.stringify for the values JSON.parse makes (and `toJSON`, `undefined` as it does).
 */
type Work = { raw: string } | { value: unknown };

export function stringifyDeep(value: unknown): string {
  const out: string[] = [];
  const work: Work[] = [{ value }];
  while (work.length > 0) {
    const item = work.pop()!;
    if ('raw' in item) {
      out.push(item.raw);
      continue;
    }
    let v = item.value;
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON: () => unknown }).toJSON();
    if (Array.isArray(v)) {
      // Pushed in reverse: popped as [ item0 , item1 … ].
      work.push({ raw: ']' });
      for (let i = v.length - 1; i >= 0; i--) {
        const element: unknown = v[i];
        work.push(element === undefined || typeof element === 'function' || typeof element === 'symbol' ? { raw: 'null' } : { value: element });
        if (i > 0) work.push({ raw: ',' });
      }
      work.push({ raw: '[' });
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v).filter(([, e]) => e !== undefined && typeof e !== 'function' && typeof e !== 'symbol');
      work.push({ raw: '}' });
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, element] = entries[i]!;
        work.push({ value: element });
        work.push({ raw: `${JSON.stringify(key)}:` });
        if (i > 0) work.push({ raw: ',' });
      }
      work.push({ raw: '{' });
    } else {
      out.push(JSON.stringify(v) ?? 'null');
    }
  }
  return out.join('');
}
