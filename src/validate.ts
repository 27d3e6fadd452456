// Stage 2 — validate: a loaded document against the JSON Schema of its kind
// (schemas/*.schema.json, compiled by Ajv at build time). Ajv's output is rewritten
// into coded, positioned, plain-sentence diagnostics; nothing downstream ever
// sees a document that did not pass. Semantic checks that need more than one
// document (modes vs matches, overlays vs base) belong to resolve, not here.

import type { ErrorObject, ValidateFunction } from 'ajv';
import * as compiled from './generated/validators.js';
import { API_VERSION } from './types.js';
import { diagnostic, didYouMean, failed, quote, resultOf, type Diagnostic, type Result } from './errors.js';
import { MAX_ERRORS_PER_DOCUMENT, withMore, type SourceDocument, type ValuePath } from './load.js';

export const KINDS = ['Policy', 'Overlay', 'Host', 'TestSuite', 'Decision', 'Facts'] as const;
export type Kind = (typeof KINDS)[number];

/**
 * The validator for one kind. The schemas in schemas/ are compiled by Ajv at
 * build time (scripts/build-validators.mjs) into standalone code, so a run
 * loads neither Ajv's compiler nor the schema files.
 */
export function schemaValidator(kind: Kind): ValidateFunction {
  return compiled[kind];
}

/** The document as its schema's type, and its kind whenever the kind was read (so a schema-invalid document still says what it is). */
export type Validated<T> = Result<T> & { kind?: Kind };

/**
 * Check apiVersion and kind, then the schema of that kind. With `expect`, a
 * document of another kind is an `unknown-kind` error naming what was expected.
 */
export function validateDocument<T = unknown>(doc: SourceDocument, expect?: readonly Kind[]): Validated<T> {
  const data = doc.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return failed<T>([diagnostic('schema-violation', 'a document must be a map with `apiVersion`, `kind`, `metadata` and `spec`', doc.locate([]))]);
  }
  const record = data as Record<string, unknown>;
  if (record.apiVersion !== API_VERSION) {
    const has = Object.hasOwn(record, 'apiVersion');
    return failed<T>([
      diagnostic(
        has ? 'unsupported-api-version' : 'schema-violation',
        has ? `unsupported apiVersion ${quote(record.apiVersion)}` : 'missing required property `apiVersion`',
        doc.locate(has ? ['apiVersion'] : []),
        { hint: `this version of mdev-policy reads \`apiVersion: ${API_VERSION}\`` },
      ),
    ]);
  }
  const kind = record.kind;
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind) || kind === 'Decision') {
    const readable = KINDS.filter((k) => k !== 'Decision');
    const known = typeof kind === 'string' ? didYouMean(kind, readable) : undefined;
    return failed<T>([
      diagnostic('unknown-kind', kind === undefined ? 'missing `kind`' : `unknown kind ${quote(kind)}`, doc.locate(kind === undefined ? [] : ['kind']), {
        hint: known ?? `one of ${readable.map((k) => `\`${k}\``).join(', ')}`,
      }),
    ]);
  }
  if (expect && !expect.includes(kind as Kind)) {
    return failed<T>([diagnostic('unknown-kind', `expected ${expect.map((k) => `a \`${k}\``).join(' or ')} here, found a \`${kind}\``, doc.locate(['kind']))]);
  }
  return { ...resultOf(data as T, schemaErrors(doc, kind as Kind)), kind: kind as Kind };
}

/** Schema errors of a document of a known kind (used for Decision output in tests too). */
export function schemaErrors(doc: SourceDocument, kind: Kind): Diagnostic[] {
  const validate = schemaValidator(kind);
  if (validate(doc.data)) return [];
  const errors = validate.errors ?? [];
  // Ajv keeps the last run's errors on the (module-wide) function: let a million of them go once explained.
  validate.errors = null;
  return explainAjvErrors(doc, errors);
}

// --- ajv errors into diagnostics -------------------------------------------

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function isUnder(path: string, base: string): boolean {
  return path.startsWith(base) && (path.length === base.length || path.charCodeAt(base.length) === 0x2f);
}

/** Segments in a JSON pointer (a `/` inside a segment is written `~1`), without splitting it. */
function pointerDepth(pointer: string): number {
  let n = 0;
  for (let k = pointer.indexOf('/'); k >= 0; k = pointer.indexOf('/', k + 1)) n++;
  return n;
}

const NAME_KEYWORDS = new Set(['pattern', 'not', 'enum', 'const', 'minLength', 'maxLength', 'type', 'format']);

/** The path itself and each of its ancestors, as JSON pointers ('' for the root). */
function* pointerPrefixes(pointer: string): Generator<string> {
  yield pointer;
  for (let k = pointer.lastIndexOf('/'); k >= 0; k = pointer.lastIndexOf('/', k - 1)) {
    yield pointer.slice(0, k);
    if (k === 0) return;
  }
}

/**
 * Ajv's errors (allErrors: a document may have thousands) into diagnostics,
 * in time linear in their number: each error is looked at a bounded number
 * of times, and positions (a scan of the text each) are found only for the
 * first MAX_ERRORS_PER_DOCUMENT kept; the rest are counted on one more line.
 */
function explainAjvErrors(doc: SourceDocument, raw: ErrorObject[]): Diagnostic[] {
  const errors = raw.filter((e) => e.keyword !== 'if');
  // One flag per error (a document may have a million): errors left out of the report.
  const drop = new Uint8Array(errors.length);
  // propertyNames: ajv reports the failing sub-keyword (with params.propertyName)
  // and then propertyNames itself; keep one error, at the key, and nothing else
  // about the value under that refused key.
  const refusedKeys = new Map<ErrorObject, string | undefined>();
  const refusedPaths = new Set<string>();
  errors.forEach((e, i) => {
    if (e.keyword !== 'propertyNames') return;
    refusedPaths.add(`${e.instancePath}/${String((e.params as { propertyName?: string }).propertyName).replace(/~/g, '~0').replace(/\//g, '~1')}`);
    // The name's own errors come right before, on the object's path.
    let subMessage: unknown;
    for (let k = i - 1; k >= 0 && errors[k]!.instancePath === e.instancePath && NAME_KEYWORDS.has(errors[k]!.keyword); k--) {
      subMessage ??= errors[k]!.parentSchema?.['x-message'];
      drop[k] = 1;
    }
    refusedKeys.set(e, typeof subMessage === 'string' ? subMessage : undefined);
  });
  if (refusedPaths.size > 0) {
    // A propertyNames error is on the object, above its own refused key: only a refused key further up drops it.
    errors.forEach((o, i) => {
      for (const prefix of pointerPrefixes(o.instancePath)) {
        if (refusedPaths.has(prefix)) {
          drop[i] = 1;
          break;
        }
      }
    });
  }
  // Branching keywords (anyOf/oneOf): their branches' errors come right before
  // them, on the same value or below. Keep the deepest branch errors when they
  // went below the branch point; else keep only the branch point's message.
  const depth = (o: ErrorObject) => pointerDepth(o.instancePath) + (o.keyword === 'additionalProperties' || o.keyword === 'propertyNames' ? 1 : 0);
  errors.forEach((e, i) => {
    if (e.keyword !== 'anyOf' && e.keyword !== 'oneOf') return;
    const own = pointerDepth(e.instancePath);
    let deepest = own;
    let first = i;
    for (let k = i - 1; k >= 0 && isUnder(errors[k]!.instancePath, e.instancePath); k--) {
      first = k;
      deepest = Math.max(deepest, depth(errors[k]!));
    }
    if (deepest > own) {
      drop[i] = 1;
      for (let k = first; k < i; k++) if (depth(errors[k]!) < deepest) drop[k] = 1;
    } else {
      drop.fill(1, first, i);
    }
  });
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  // Past the cap errors are only counted (finding where each is written would scan the text once per error).
  let more = 0;
  errors.forEach((e, i) => {
    if (drop[i] === 1) return;
    if (out.length >= MAX_ERRORS_PER_DOCUMENT) {
      more++;
      return;
    }
    const d = explainOne(doc, e);
    if (refusedKeys.get(e) !== undefined && d.hint === undefined) d.hint = refusedKeys.get(e)!;
    const key = `${d.line}:${d.col}:${d.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(d);
  });
  return withMore(out, more);
}

function explainOne(doc: SourceDocument, e: ErrorObject): Diagnostic {
  const at: ValuePath = pointerToPath(e.instancePath);
  const schema = (e.parentSchema ?? {}) as Record<string, unknown>;
  const custom = typeof schema['x-message'] === 'string' ? (schema['x-message']) : undefined;
  const last = at.length > 0 ? String(at[at.length - 1]) : undefined;
  const name = last !== undefined && !/^\d+$/.test(last) ? last : undefined;
  const params = e.params as Record<string, unknown>;
  const fail = (message: string, where: ValuePath = at, key = false, hint?: string) =>
    diagnostic('schema-violation', message, doc.locate(where, key), hint === undefined ? {} : { hint });

  switch (e.keyword) {
    case 'additionalProperties': {
      const prop = String(params.additionalProperty);
      const known = Object.keys((schema.properties as Record<string, unknown>) ?? {});
      return fail(`unknown property ${quote(prop)}${name ? ` in ${quote(name)}` : ''}`, [...at, prop], true, didYouMean(prop, known));
    }
    case 'required':
      return fail(`missing required property ${quote(params.missingProperty)}${name ? ` in ${quote(name)}` : ''}`);
    case 'propertyNames': {
      const prop = String(params.propertyName);
      return fail(`${quote(prop)} is not allowed as a key${name ? ` in ${quote(name)}` : ''}`, [...at, prop], true, reservedHint(prop));
    }
    case 'type': {
      const expected = String(params.type).replace(/,/g, ' or ');
      const written = doc.sourceText(at);
      const hint =
        expected.includes('string') && typeof e.data === 'number'
          ? `quote it: \`${written ?? String(e.data)}\` is read as the number ${String(e.data)}`
          : expected.includes('string') && typeof e.data === 'boolean'
            ? `quote it: \`${written ?? String(e.data)}\` is read as a boolean`
            : undefined;
      return fail(custom ?? `${name ? quote(name) : 'value'} must be ${article(expected)}`, at, false, hint);
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]) ?? [];
      const hint = typeof e.data === 'string' ? didYouMean(e.data, allowed.map(String)) : undefined;
      return fail(`${quote(e.data)} is not one of ${allowed.map((a) => quote(a)).join(', ')}`, at, false, hint);
    }
    case 'not':
      return fail(custom ?? `${quote(e.data)} is not allowed here`, at, false, typeof e.data === 'string' ? reservedHint(e.data) : undefined);
    case 'const':
      return fail(`must be ${quote(params.allowedValue)}`);
    case 'pattern':
      return fail(custom ?? `${quote(e.data)} is not a valid ${describe(schema) ?? 'value here'}`);
    case 'false schema':
      return fail(
        name === 'onMissing' ? '`onMissing` does not apply to a `when` check: its operators already fail on missing values' : `${quote(name ?? 'this')} is not allowed together with the other properties here`,
        at,
        true,
      );
    case 'anyOf':
    case 'oneOf': {
      const written = doc.sourceText(at);
      const hint = typeof e.data === 'number' || typeof e.data === 'boolean' ? `quote it: \`${written ?? String(e.data)}\` is read as a ${typeof e.data}` : undefined;
      return fail(custom ?? `${name ? quote(name) : 'value'} does not match any allowed form`, at, false, hint);
    }
    case 'minimum':
      return fail(`${name ? quote(name) : 'value'} must be at least ${String(params.limit)}`);
    case 'minItems':
      return fail(`${name ? quote(name) : 'list'} needs at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`);
    case 'minProperties':
      return fail(`${name ? quote(name) : 'map'} needs at least ${String(params.limit)} entr${params.limit === 1 ? 'y' : 'ies'}`);
    case 'uniqueItems':
      return fail(`${name ? quote(name) : 'list'} has duplicate items`);
    default:
      return fail(`${name ? `${quote(name)} ` : ''}${(e.message ?? 'is invalid').toLowerCase()}`);
  }
}

function reservedHint(name: string): string | undefined {
  return ['__proto__', 'constructor', 'prototype'].includes(name) ? 'keys that name JavaScript internals are refused' : undefined;
}

function describe(schema: Record<string, unknown>): string | undefined {
  const d = schema.description;
  return typeof d === 'string' ? d.replace(/[:.].*$/, '').toLowerCase() : undefined;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
