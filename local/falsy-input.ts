/**
 * The path `$` on a falsy JSON value (2026-12-01, aws-local-stepfunctions 3.0.0 with
 * jsonpath-plus 10.4.0).
 *
 * Step Functions passes an execution's JSON input to the first state as it is ("When a Step
 * Functions execution receives JSON input, it passes that data to the first state in the workflow
 * as input", developer guide, "Processing input and output in Step Functions"), and `$` selects
 * the whole of it. `null`, `false`, `0` and `""` are JSON texts like any other (StartExecution's
 * `input` is "the string that contains the JSON input data"), so `"event.$": "$"` on the input
 * `null` gives `{"event": null}`.
 *
 * The library evaluates every path with jsonpath-plus, whose `JSONPath()` returns `undefined` for
 * any falsy `json` before looking at the path; the library then fails the execution with
 * "Path expression '$' does not point to a value". Here `$` on such a value returns the value;
 * every other path is left to the library unchanged (`$.x` on `null` points to nothing in Step
 * Functions too).
 *
 * No upstream report is filed (nibble-4bits/aws-local-stepfunctions, none found on 2026-12-01);
 * one to file: "jsonPathQuery('$', null) throws 'does not point to a value'; Step Functions
 * passes a null/false/0/\"\" input through `$`". Pinned in test/conformance/local-step-functions.test.ts,
 * whose "library alone" test fails once the library handles it: then delete this file.
 */
import path from 'node:path';

type JsonPathOptions = { path?: unknown; json?: unknown; wrap?: boolean };
type JsonPathFn = (options: JsonPathOptions, ...rest: unknown[]) => unknown;

// The jsonpath-plus the library itself requires (several versions may be installed).
const library = path.dirname(require.resolve('aws-local-stepfunctions'));
const jsonpathPlus = require(require.resolve('jsonpath-plus', { paths: [library] })) as { JSONPath: JsonPathFn };

const isFalsyJson = (value: unknown) => value === null || value === false || value === 0 || value === '';

const original = jsonpathPlus.JSONPath;
const wrapped: JsonPathFn = Object.assign(
  function (this: unknown, options: JsonPathOptions, ...rest: unknown[]) {
    if (options && typeof options === 'object' && options.path === '$' && options.wrap === false && isFalsyJson(options.json)) return options.json;
    return original.call(this, options, ...rest);
  },
  original,
);
wrapped.prototype = original.prototype;
jsonpathPlus.JSONPath = wrapped;

/** Runs `work` with the library's own path evaluation, without this workaround (conformance test only). */
export async function withoutFalsyInputWorkaround<T>(work: () => Promise<T>): Promise<T> {
  jsonpathPlus.JSONPath = original;
  try {
    return await work();
  } finally {
    jsonpathPlus.JSONPath = wrapped;
  }
}
