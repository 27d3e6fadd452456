// Reading facts: the one place that turns a fact reference (`source` /
// `destination` with a plain `$.a.b[0]` path, or the compiler's `family`
// fact) into a value. json-rules-engine (through `resolvePath` and the
// family fact), the bulk evaluator and the explanations all read through
// here, so the three can never disagree on what a path means. Paths read own
// properties only; no JSONPath engine is involved, so no filter or script
// expression from input is ever evaluated.

import { isPresent } from './matches/values.js';
import type { AttributeValue, DestinationFact, FactRef, FamilyParams, MdevType, SourceFact } from './types.js';

export interface Facts {
  source: SourceFact;
  destination: DestinationFact;
}

export type Reader = (facts: Facts) => unknown;

/** The path of a type attribute; `@id` is the type id itself. */
export function attributePath(name: string): string {
  return name === '@id' ? '$.type.id' : `$.type.attributes.${name}`;
}

// --- paths -------------------------------------------------------------------

const pathCache = new Map<string, (string | number)[]>();

/** Split `$.a.b[0]` into segments; undefined when the path is not of that plain form. */
export function parsePath(path: string): (string | number)[] | undefined {
  const cached = pathCache.get(path);
  if (cached) return cached;
  if (!path.startsWith('$')) return undefined;
  const segments: (string | number)[] = [];
  const re = /\.([A-Za-z_@][A-Za-z0-9_-]*)|\[(\d{1,6})\]/y;
  re.lastIndex = 1;
  while (re.lastIndex < path.length) {
    const at = re.lastIndex;
    const m = re.exec(path);
    if (!m || m.index !== at) return undefined;
    segments.push(m[1] !== undefined ? m[1] : Number(m[2]));
  }
  if (pathCache.size < 10_000) pathCache.set(path, segments);
  return segments;
}

/** The value at a plain path, reading own properties only; undefined when absent or the path is not plain. */
export function resolvePath(value: unknown, path: string): unknown {
  const segments = parsePath(path);
  return segments ? walkPath(value, segments) : undefined;
}

/** Follow parsed path segments through own properties (arrays by index only). */
function walkPath(value: unknown, segments: readonly (string | number)[]): unknown {
  let v: unknown = value;
  for (const s of segments) {
    if (v === null || typeof v !== 'object') return undefined;
    if (typeof s === 'number') {
      if (!Array.isArray(v)) return undefined;
      v = v[s];
    } else {
      if (Array.isArray(v) || !Object.hasOwn(v, s)) return undefined;
      v = (v as Record<string, unknown>)[s];
    }
  }
  return v;
}

// --- families of attributes ------------------------------------------------

export type Family = Record<string, AttributeValue | undefined>;

const familyCache = new WeakMap<MdevType, WeakMap<object, Family>>();

/**
 * The attributes of a type selected by name (every name listed, present or
 * not; `@id` is the type id) or by prefix (minus `except`; only those present).
 * Selections are cached per type and parameter object: a source type is
 * selected once for a whole fleet.
 */
export function selectFamily(type: MdevType | undefined, params: Omit<FamilyParams, 'side'>): Family {
  if (!type) return {};
  let byParams = familyCache.get(type);
  if (!byParams) {
    byParams = new WeakMap();
    familyCache.set(type, byParams);
  }
  let family = byParams.get(params);
  if (!family) {
    family = selectFamilyOf(type, params);
    byParams.set(params, family);
  }
  return family;
}

function selectFamilyOf(type: MdevType, params: Omit<FamilyParams, 'side'>): Family {
  const attributes = type.attributes;
  if (params.names) {
    return Object.fromEntries(params.names.map((n) => [n, n === '@id' ? type.id : Object.hasOwn(attributes, n) ? attributes[n] : undefined]));
  }
  // An empty value (`compatible_pci_ids: ""`) lists nothing: it counts as absent.
  const prefix = params.prefix ?? '';
  const except = params.except ?? [];
  const out: Family = {};
  for (const k in attributes) {
    // Own attribute names only; `__proto__` never gets here (the schemas refuse it) and is skipped regardless.
    if (k === '__proto__' || !Object.hasOwn(attributes, k) || !k.startsWith(prefix) || except.includes(k)) continue;
    const v = attributes[k];
    if (isPresent(v)) out[k] = v!;
  }
  return out;
}

// --- readers -------------------------------------------------------------------

/**
 * A reader of one fact reference, with json-rules-engine's semantics: a path
 * is resolved only when the fact is an object; an unknown fact is undefined
 * (allowUndefinedFacts), so its conditions fail closed.
 */
export function factReader(ref: FactRef): Reader {
  if (ref.fact === 'family') {
    // A family is read by two conditions of one rule (absent-both, then the match): select it once per candidate.
    const p = ref.params;
    let lastFacts: Facts | undefined;
    let lastValue: unknown;
    return (f) => {
      if (f !== lastFacts) {
        lastFacts = f;
        lastValue = selectFamily(f[p.side]?.type, p);
      }
      return lastValue;
    };
  }
  const side = ref.fact;
  const base: Reader = side === 'source' ? (f) => f.source : side === 'destination' ? (f) => f.destination : () => undefined;
  if (!ref.path) return base;
  const segments = parsePath(ref.path);
  if (!segments) return () => undefined;
  return fastPath(base, segments) ?? ((f) => {
    const v = base(f);
    return v !== null && typeof v === 'object' ? walkPath(v, segments) : v;
  });
}

/** Read a fact reference once (explanations; the evaluators keep their readers). */
export function readFact(ref: FactRef, facts: Facts): unknown {
  return factReader(ref)(facts);
}

/**
 * The paths compiled rules use on the facts' own fixed shapes
 * (`$.type.id`, `$.type.attributes.x`, `$.device.attributes.x`, `$.host`,
 * `$.parent`), read directly; only the attribute maps, which hold user keys,
 * are read by own property. Same results as the general walk.
 */
function fastPath(base: Reader, segments: (string | number)[]): Reader | undefined {
  const [a, b, c] = segments;
  type Shape = { type?: { id?: unknown; attributes?: Record<string, unknown> }; device?: { attributes?: Record<string, unknown> }; host?: unknown; parent?: unknown };
  const obj = (f: Facts) => {
    const v = base(f);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Shape) : undefined;
  };
  if (segments.length === 1 && (a === 'host' || a === 'parent')) {
    return (f) => {
      const v = base(f);
      if (v === null || typeof v !== 'object') return v;
      return Object.hasOwn(v, a) ? (v as Shape)[a] : undefined;
    };
  }
  if (segments.length === 2 && a === 'type' && b === 'id') return (f) => obj(f)?.type?.id;
  if (segments.length === 3 && (a === 'type' || a === 'device') && b === 'attributes' && typeof c === 'string') {
    return (f) => {
      const v = base(f);
      if (v === null || typeof v !== 'object') return v;
      const attrs = (v as Shape)[a]?.attributes;
      return attrs !== undefined && Object.hasOwn(attrs, c) ? attrs[c] : undefined;
    };
  }
  return undefined;
}
