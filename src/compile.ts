// Stage 4 — compile: the effective policy becomes json-rules-engine rule
// documents, one rule per check, as plain data (what `mdev-policy compile`
// prints). Source and destination values are compared by making the
// condition's `value` a reference to the other fact. A check with
// `onMissing: skip` is `any: [absent-both, match]`; evaluate reads the first
// condition's result to tell a skip from a pass. Paths resolve with
// resolvePath below: own properties only, no JSONPath engine involved.

import type { Condition, EffectiveCheck, EffectivePolicy, FactRef, LeafCondition, PolicyRef } from './types.js';

export interface RuleDocument {
  name: string;
  priority: number;
  conditions: { all: Condition[] } | { any: Condition[] } | { not: Condition };
  event: { type: 'check'; params: { id: string } };
}

export interface CompiledPolicy {
  apiVersion: 'mdev-policy/v1';
  kind: 'CompiledPolicy';
  policy: PolicyRef;
  overlays: PolicyRef[];
  mode: string;
  rules: RuleDocument[];
}

export function attributePath(name: string): string {
  return name === '@id' ? '$.type.id' : `$.type.attributes.${name}`;
}

const ref = (fact: string, path?: string, params?: Record<string, unknown>): FactRef => ({
  fact,
  ...(path === undefined ? {} : { path }),
  ...(params === undefined ? {} : { params }),
});

function leaf(fact: string, path: string | undefined, operator: string, value: LeafCondition['value'], params?: Record<string, unknown>): LeafCondition {
  return { fact, ...(path === undefined ? {} : { path }), ...(params === undefined ? {} : { params }), operator, value };
}

/** The two sides a check compares, as fact references (undefined for `when` checks). */
export function checkOperands(check: EffectiveCheck): { source: FactRef; destination: FactRef } | undefined {
  const t = check.target;
  switch (t.kind) {
    case 'attribute':
      return { source: ref('source', attributePath(t.name)), destination: ref('destination', attributePath(t.name)) };
    case 'list':
      return check.match === 'sync'
        ? { source: ref('source', '$.device.attributes'), destination: ref('destination', '$.type.attributes.dynamic_resources') }
        : { source: ref('family', undefined, { side: 'source', names: t.names }), destination: ref('family', undefined, { side: 'destination', names: t.names }) };
    case 'family': {
      const params = { prefix: t.prefix, except: t.except };
      return { source: ref('family', undefined, { side: 'source', ...params }), destination: ref('family', undefined, { side: 'destination', ...params }) };
    }
    case 'when':
      return undefined;
  }
}

/**
 * The operator that compares the two operands of a non-`when` check. A list
 * of named attributes with `onMissing: skip` leaves out the names absent on
 * both sides (`each-present:`); a prefix family only ever holds present ones.
 */
export function matchOperator(check: EffectiveCheck): string {
  const match = check.match ?? 'ignore';
  const t = check.target;
  if (t.kind === 'attribute' || match === 'ignore' || match === 'sync') return match;
  return `${t.kind === 'list' && check.onMissing === 'skip' ? 'each-present' : 'each'}:${match}`;
}

/**
 * Fail closed under `not`: json-rules-engine would let `not (x notEqual 1)`
 * pass when x is missing. Every leaf inside a `not` is preceded by a `present`
 * condition on its fact (and on its value, when that is a fact).
 */
export function guardNot(c: Condition): Condition {
  if ('all' in c) return { all: c.all.map(guardNot) };
  if ('any' in c) return { any: c.any.map(guardNot) };
  if ('not' in c) return { all: [...presenceOf(c.not), { not: guardNot(c.not) }] };
  return c;
}

function presenceOf(c: Condition): LeafCondition[] {
  if ('all' in c) return c.all.flatMap(presenceOf);
  if ('any' in c) return c.any.flatMap(presenceOf);
  if ('not' in c) return presenceOf(c.not);
  const value = c.value !== null && typeof c.value === 'object' && !Array.isArray(c.value) ? c.value : true;
  return [leaf(c.fact, c.path, 'present', value, c.params)];
}

function matchCondition(check: EffectiveCheck): Condition {
  const t = check.target;
  if (t.kind === 'when') return guardNot(t.condition);
  const match = check.match ?? 'ignore';
  const ops = checkOperands(check)!;
  if (match === 'ignore') return leaf('source', '$.host', 'always', true);
  if (t.kind === 'list' && match === 'sync') return leaf('source', '$.device.attributes', 'has-values', t.names);
  const src = ops.source;
  const dst = ops.destination;
  const compare = (operator: string, value: FactRef = dst): LeafCondition => leaf(src.fact, src.path, operator, value, src.params);
  if (t.kind !== 'attribute') return compare(matchOperator(check));
  const path = src.path!;
  switch (match) {
    case 'equal-or-listed':
      return { any: [compare('equal'), compare('listed-in', ref('destination', '$.type.attributes.compatible_type'))] };
    case 'capacity':
      return leaf('destination', path, 'capacity', 1);
    case 'sync':
      return { all: [compare('names-set-on', ref('source', '$.device.attributes')), compare('superset')] };
    default:
      return compare(match);
  }
}

export function compileCheck(check: EffectiveCheck): RuleDocument {
  const match = matchCondition(check);
  const ops = checkOperands(check);
  const skippable = check.onMissing === 'skip' && ops !== undefined && check.match !== 'ignore' && !(check.target.kind === 'list' && check.match === 'sync');
  let conditions: RuleDocument['conditions'];
  if (skippable) {
    conditions = { any: [leaf(ops.source.fact, ops.source.path, 'absent-both', ops.destination, ops.source.params), match] };
  } else if ('all' in match || 'any' in match || 'not' in match) {
    conditions = match as RuleDocument['conditions'];
  } else {
    conditions = { all: [match] };
  }
  return { name: check.id, priority: 1, conditions, event: { type: 'check', params: { id: check.id } } };
}

export function compilePolicy(policy: EffectivePolicy): CompiledPolicy {
  return {
    apiVersion: 'mdev-policy/v1',
    kind: 'CompiledPolicy',
    policy: policy.policy,
    overlays: policy.overlays,
    mode: policy.mode,
    rules: policy.checks.map(compileCheck),
  };
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
