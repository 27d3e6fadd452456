// Reading facts: the one place that turns a fact reference (`source` /
// `destination` with a plain `$.a.b[0]` path, or the compiler's `family`
// fact) into a value. json-rules-engine (through `resolvePath` and the
// family fact), the bulk evaluator and the explanations all read through
// here, so the three can never disagree on what a path means. Paths read own
// properties only; no JSONPath engine is involved, so no filter or script
// expression from input is ever evaluated.

import { isPresent } from './matches/values.js';
import type { AttributeValue, CheckScope, DestinationFact, FactRef, FamilyParams, Host, HostParent, MdevType, SourceFact } from './types.js';

export interface Facts {
  source: SourceFact;
  destination: DestinationFact;
}

export type Reader = (facts: Facts) => unknown;

/** An empty attribute map, for a parent or host without facts. */
export const NO_ATTRIBUTES: Record<string, string> = Object.freeze({});

/**
 * The path of an attribute in a fact: of the type (default; `@id` is the
 * type id), of its parent device (`$.parentAttributes.x`; `@id` is the parent
 * id) or of the host (`$.hostAttributes.x`; `@id` is the host name).
 */
export function attributePath(name: string, scope: CheckScope = 'type'): string {
  switch (scope) {
    case 'parent':
      return name === '@id' ? '$.parent' : `$.parentAttributes.${name}`;
    case 'host':
      return name === '@id' ? '$.host' : `$.hostAttributes.${name}`;
    default:
      return name === '@id' ? '$.type.id' : `$.type.attributes.${name}`;
  }
}

/** The destination side of a candidate: the host, the parent and its facts, the type. */
export function destinationFact(host: Host, parent: HostParent, type: MdevType): DestinationFact {
  return { host: host.name, parent: parent.id, type, parentAttributes: parent.attributes, hostAttributes: host.facts };
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
export function walkPath(value: unknown, segments: readonly (string | number)[]): unknown {
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

/** What a family is selected from: an id (`@id`) and an attribute map — a type, a parent's facts, a host's facts. */
interface Owner {
  id: string;
  attributes: Record<string, AttributeValue>;
}

const familyCache = new WeakMap<object, WeakMap<object, Family>>();

/**
 * The attributes of a type (or, by `params.scope`, the parent or host facts
 * of a side) selected by name (every name listed, present or not; `@id` is the
 * owner's id) or by prefix (minus `except`; only those present). Selections are
 * cached per attribute map and parameter object: a source type is selected once
 * for a whole fleet.
 */
export function selectFamily(type: MdevType | undefined, params: Omit<FamilyParams, 'side'>): Family {
  return type ? selectFrom(type, params) : {};
}

/** A type's family selected afresh, never cached: for a destination type met once (the fleet path), where a cache entry would cost more than the selection. */
export function selectTypeFamily(type: MdevType, params: Omit<FamilyParams, 'side'>): Family {
  return selectFamilyOf(type, params);
}

/** The family of one side of a candidate, from the scope the parameters name. */
export function selectSideFamily(fact: SourceFact | DestinationFact | undefined, params: FamilyParams): Family {
  if (!fact) return {};
  switch (params.scope) {
    case 'parent':
      return selectFrom({ id: fact.parent, attributes: fact.parentAttributes }, params, fact.parentAttributes);
    case 'host':
      return selectFrom({ id: fact.host, attributes: fact.hostAttributes }, params, fact.hostAttributes);
    default:
      return selectFamily(fact.type, params);
  }
}

function selectFrom(owner: Owner, params: Omit<FamilyParams, 'side'>, key: object = owner): Family {
  // Parent and host facts are shared by many candidates: their attribute map is the cache key (an owner built per call is not).
  if (params.names?.includes('@id') && key !== owner) return selectFamilyOf(owner, params);
  let byParams = familyCache.get(key);
  if (!byParams) {
    byParams = new WeakMap();
    familyCache.set(key, byParams);
  }
  let family = byParams.get(params);
  if (!family) {
    family = selectFamilyOf(owner, params);
    byParams.set(params, family);
  }
  return family;
}

function selectFamilyOf(owner: Owner, params: Omit<FamilyParams, 'side'>): Family {
  const attributes = owner.attributes;
  if (params.names) {
    return Object.fromEntries(params.names.map((n) => [n, n === '@id' ? owner.id : Object.hasOwn(attributes, n) ? attributes[n] : undefined]));
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
        lastValue = selectSideFamily(f[p.side], p);
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
 * `$.parent`, `$.parentAttributes.x`, `$.hostAttributes.x`), read directly; only the attribute maps, which hold user keys,
 * are read by own property. Same results as the general walk.
 */
function fastPath(base: Reader, segments: (string | number)[]): Reader | undefined {
  const [a, b, c] = segments;
  type Shape = {
    type?: { id?: unknown; attributes?: Record<string, unknown> };
    device?: { attributes?: Record<string, unknown> };
    host?: unknown;
    parent?: unknown;
    parentAttributes?: Record<string, unknown>;
    hostAttributes?: Record<string, unknown>;
  };
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
  if (segments.length === 2 && (a === 'parentAttributes' || a === 'hostAttributes') && typeof b === 'string') {
    return (f) => {
      const v = base(f);
      if (v === null || typeof v !== 'object') return v;
      const attrs = (v as Shape)[a];
      return attrs !== undefined && Object.hasOwn(attrs, b) ? attrs[b] : undefined;
    };
  }
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
