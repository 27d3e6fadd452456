// The match vocabulary (DESIGN §2.1) as pure verdict functions, and their
// json-rules-engine operators. Every verdict fails closed: a value that is
// missing, empty or unparseable never passes. The same functions give the
// one-line reason shown beside a result, so the explanation cannot disagree
// with the rule. Built-in operators that json-rules-engine would let pass on
// an undefined fact (notEqual, notIn, doesNotContain) are replaced here.

import type { AttributeValue, MdevType } from './types.js';

export interface Verdict {
  ok: boolean;
  reason: string;
}

const pass = (reason: string): Verdict => ({ ok: true, reason });
const fail = (reason: string): Verdict => ({ ok: false, reason });

/** A value counts as present when defined, not null and not an empty list or string. */
export function isPresent(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'string') return v.trim() !== '';
  return true;
}

/** A value quoted for a one-line reason: lists joined, newlines shown as \\n. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const shown = Array.isArray(v) ? v.map(text).join(', ') : text(v);
  return `\`${shown.replace(/\r?\n/g, '\\n')}\``;
}

/** Any value as text, never throwing (a map without prototype has no toString). */
function text(v: unknown): string {
  return v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function values(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(text);
  if (v === undefined || v === null) return [];
  return text(v)
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function missing(src: unknown, dst: unknown): Verdict | undefined {
  const s = isPresent(src);
  const d = isPresent(dst);
  if (s && d) return undefined;
  if (!s && !d) return fail('missing on both source and destination');
  return fail(s ? 'missing on the destination' : 'missing on the source');
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    const x = values(a);
    const y = values(b);
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  if (typeof a === 'number' || typeof b === 'number') return text(a) === text(b);
  return a === b;
}

export function equal(src: unknown, dst: unknown): Verdict {
  return missing(src, dst) ?? (sameValue(src, dst) ? pass('identical') : fail(`source ${show(src)} differs from destination ${show(dst)}`));
}

export interface Version {
  major: number;
  minor: number;
  bugfix: number;
}

export function parseVersion(v: unknown): Version | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d{1,9})\.(\d{1,9})(?:\.(\d{1,9}))?\s*$/.exec(v);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), bugfix: Number(m[3] ?? 0) };
}

export function versionCompatible(src: unknown, dst: unknown): Verdict {
  const absent = missing(src, dst);
  if (absent) return absent;
  const s = parseVersion(src);
  const d = parseVersion(dst);
  if (!s) return fail(`source ${show(src)} is not a major.minor[.bugfix] version`);
  if (!d) return fail(`destination ${show(dst)} is not a major.minor[.bugfix] version`);
  if (s.major !== d.major) return fail(`major versions differ (source ${s.major}, destination ${d.major})`);
  if (d.minor < s.minor) return fail(`destination minor ${d.minor} is older than source minor ${s.minor}`);
  return pass(`same major ${s.major}, destination minor ${d.minor} ≥ source minor ${s.minor}`);
}

export function oneToOne(src: unknown, dst: unknown): Verdict {
  const absent = missing(src, dst);
  if (absent) return absent;
  const s = values(src);
  const d = values(dst);
  const extra = s.length > 1 || d.length > 1 ? '; only the first value is compared (1:1 mode)' : '';
  return s[0] === d[0] ? pass(`first values match (\`${s[0]}\`)${extra}`) : fail(`source \`${s[0]}\` differs from destination \`${d[0]}\`${extra}`);
}

export function superset(src: unknown, dst: unknown): Verdict {
  const absent = missing(src, dst);
  if (absent) return absent;
  const d = new Set(values(dst));
  const lacking = values(src).filter((v) => !d.has(v));
  return lacking.length === 0
    ? pass('destination lists every source value')
    : fail(`destination lacks ${lacking.map((v) => `\`${v}\``).join(', ')}`);
}

/** The source value is among the destination's list (e.g. the source type id in compatible_type). */
export function listedIn(src: unknown, dst: unknown): Verdict {
  if (!isPresent(src)) return fail('missing on the source');
  if (!isPresent(dst)) return fail('the destination lists nothing');
  const s = values(src)[0]!;
  return values(dst).includes(s) ? pass(`\`${s}\` is listed by the destination`) : fail(`\`${s}\` is not listed by the destination (${show(dst)})`);
}

export function capacity(available: unknown, needed: unknown): Verdict {
  const n = typeof needed === 'number' ? needed : 1;
  if (typeof available === 'string' && /^\s*\d+\s*$/.test(available)) available = Number(available);
  if (typeof available !== 'number' || !Number.isInteger(available)) return fail('destination has no available_instances');
  return available >= n ? pass(`${available} instance${available === 1 ? '' : 's'} available`) : fail(`${available} available, ${n} needed`);
}

/** Every name listed has a value in `attrs` (the source device's instance attributes). */
export function namesSetOn(names: unknown, attrs: unknown): Verdict {
  if (!isPresent(names)) return fail('the source type lists no instance attributes');
  const a = (attrs !== null && typeof attrs === 'object' ? attrs : {}) as Record<string, unknown>;
  const unset = values(names).filter((n) => !Object.hasOwn(a, n) || !isPresent(a[n]));
  return unset.length === 0
    ? pass(`source device has ${values(names).map((n) => `${n}=${show(a[n])}`).join(', ')}`)
    : fail(`source device has no value for ${unset.map((n) => `\`${n}\``).join(', ')}`);
}

/** Both sides absent (for a family: every member): the condition that turns a check into `skip` under `onMissing: skip`. */
export function absentBoth(src: unknown, dst: unknown): boolean {
  return emptyValue(src) && emptyValue(dst);
}

function emptyValue(v: unknown): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return !isPresent(v);
  for (const k in v) if (Object.hasOwn(v, k) && isPresent((v as Record<string, unknown>)[k])) return false;
  return true;
}

// --- families of attributes ------------------------------------------------

export type Family = Record<string, AttributeValue | undefined>;

export interface FamilyParams {
  side: 'source' | 'destination';
  prefix?: string;
  except?: string[];
  names?: string[];
}

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

/**
 * Apply a per-attribute verdict to every attribute of either family. With
 * `skipAbsent` (a check with `onMissing: skip`), a member absent on both sides
 * is left out instead of failing.
 */
export function eachOf(verdict: (s: unknown, d: unknown) => Verdict, skipAbsent = false): (src: unknown, dst: unknown) => Verdict {
  return (src, dst) => {
    const s = (src ?? {}) as Family;
    const d = (dst ?? {}) as Family;
    const names = [...new Set([...Object.keys(s), ...Object.keys(d)])].filter((n) => !skipAbsent || isPresent(s[n]) || isPresent(d[n])).sort();
    if (names.length === 0) return fail('no attribute of the family on either side');
    const failures: string[] = [];
    for (const n of names) {
      const v = verdict(s[n], d[n]);
      if (!v.ok) failures.push(`${n}: ${v.reason}`);
    }
    return failures.length === 0 ? pass(`${names.join(', ')} match`) : fail(failures.join('; '));
  };
}

// --- the operator table ----------------------------------------------------

type Binary = (a: unknown, b: unknown) => boolean;

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return Number.NaN;
}

function compareNumbers(test: (a: number, b: number) => boolean): Binary {
  return (a, b) => {
    const x = num(a);
    const y = num(b);
    return !Number.isNaN(x) && !Number.isNaN(y) && test(x, y);
  };
}

const defined = (v: unknown) => v !== undefined && v !== null;

/** json-rules-engine's built-in names, made fail-closed; usable in `when` conditions. */
export const BUILTIN_OPERATORS: Record<string, Binary> = {
  equal: (a, b) => equal(a, b).ok,
  notEqual: (a, b) => defined(a) && defined(b) && !sameValue(a, b),
  in: (a, b) => defined(a) && Array.isArray(b) && b.some((x) => sameValue(a, x)),
  notIn: (a, b) => defined(a) && Array.isArray(b) && !b.some((x) => sameValue(a, x)),
  contains: (a, b) => Array.isArray(a) && defined(b) && a.some((x) => sameValue(x, b)),
  doesNotContain: (a, b) => Array.isArray(a) && defined(b) && !a.some((x) => sameValue(x, b)),
  lessThan: compareNumbers((a, b) => a < b),
  lessThanInclusive: compareNumbers((a, b) => a <= b),
  greaterThan: compareNumbers((a, b) => a > b),
  greaterThanInclusive: compareNumbers((a, b) => a >= b),
};

/** Verdicts by operator name, for the match operators and the ones compiled rules use. */
export const VERDICTS: Record<string, (a: unknown, b: unknown) => Verdict> = {
  equal,
  'version-compatible': versionCompatible,
  'one-to-one': oneToOne,
  superset,
  'listed-in': listedIn,
  capacity,
  'names-set-on': namesSetOn,
  'has-values': (attrs, names) => namesSetOn(names, attrs),
  'each:equal': eachOf(equal),
  'each:version-compatible': eachOf(versionCompatible),
  'each:one-to-one': eachOf(oneToOne),
  'each:superset': eachOf(superset),
  'each-present:equal': eachOf(equal, true),
  'each-present:version-compatible': eachOf(versionCompatible, true),
  'each-present:one-to-one': eachOf(oneToOne, true),
  'each-present:superset': eachOf(superset, true),
  /** Fact and value both present: what a `not` needs before it may pass (see compile). */
  present: (a, b) => (isPresent(a) && isPresent(b) ? pass('present') : fail('missing')),
  'equal-or-listed': (a, b) => (equal(a, b).ok ? equal(a, b) : listedIn(a, b)),
};

// --- fast tests ----------------------------------------------------------------
// The same decisions as the verdicts above, without building a reason: what
// the engines run per candidate. A property test holds each test to its
// verdict (TESTS[x](a, b) === VERDICTS[x](a, b).ok).

const versions = new Map<string, Version | null>();
function cachedVersion(v: unknown): Version | undefined {
  if (typeof v !== 'string') return undefined;
  let got = versions.get(v);
  if (got === undefined) {
    got = parseVersion(v) ?? null;
    if (versions.size > 4096) versions.clear();
    versions.set(v, got);
  }
  return got ?? undefined;
}

function firstValue(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.length > 0 ? text(v[0]) : undefined;
  return values(v)[0];
}

function listIncludes(list: unknown, value: string): boolean {
  if (Array.isArray(list)) {
    for (const x of list) if (text(x) === value) return true;
    return false;
  }
  return values(list).includes(value);
}

const both = (a: unknown, b: unknown) => isPresent(a) && isPresent(b);

const equalTest: Binary = (a, b) => both(a, b) && sameValue(a, b);
const versionTest: Binary = (a, b) => {
  if (!both(a, b)) return false;
  const s = cachedVersion(a);
  const d = cachedVersion(b);
  return s !== undefined && d !== undefined && s.major === d.major && d.minor >= s.minor;
};
const oneToOneTest: Binary = (a, b) => both(a, b) && firstValue(a) === firstValue(b);
const supersetTest: Binary = (a, b) => {
  if (!both(a, b)) return false;
  for (const v of Array.isArray(a) ? a : values(a)) if (!listIncludes(b, text(v))) return false;
  return true;
};
const listedInTest: Binary = (a, b) => isPresent(a) && isPresent(b) && listIncludes(b, firstValue(a)!);
const namesSetOnTest: Binary = (names, attrs) => {
  if (!isPresent(names)) return false;
  const o = (attrs !== null && typeof attrs === 'object' ? attrs : {}) as Record<string, unknown>;
  for (const n of Array.isArray(names) ? names : values(names)) if (!Object.hasOwn(o, text(n)) || !isPresent(o[text(n)])) return false;
  return true;
};

function eachTest(test: Binary, skipAbsent = false): Binary {
  return (src, dst) => {
    const s = (src ?? {}) as Family;
    const d = (dst ?? {}) as Family;
    let seen = 0;
    for (const n in s) {
      if (skipAbsent && !isPresent(s[n]) && !isPresent(d[n])) continue;
      seen++;
      if (!test(s[n], d[n])) return false;
    }
    for (const n in d) {
      if (Object.hasOwn(s, n)) continue;
      if (skipAbsent && !isPresent(d[n])) continue;
      seen++;
      if (!test(undefined, d[n])) return false;
    }
    return seen > 0;
  };
}

/** Every operator a compiled rule may name, as a boolean test. */
export const TESTS: Record<string, Binary> = {
  ...BUILTIN_OPERATORS,
  equal: equalTest,
  'version-compatible': versionTest,
  'one-to-one': oneToOneTest,
  superset: supersetTest,
  'listed-in': listedInTest,
  capacity: (a, b) => capacity(a, b).ok,
  'names-set-on': namesSetOnTest,
  'has-values': (attrs, names) => namesSetOnTest(names, attrs),
  'each:equal': eachTest(equalTest),
  'each:version-compatible': eachTest(versionTest),
  'each:one-to-one': eachTest(oneToOneTest),
  'each:superset': eachTest(supersetTest),
  'each-present:equal': eachTest(equalTest, true),
  'each-present:version-compatible': eachTest(versionTest, true),
  'each-present:one-to-one': eachTest(oneToOneTest, true),
  'each-present:superset': eachTest(supersetTest, true),
  present: both,
  'equal-or-listed': (a, b) => equalTest(a, b) || listedInTest(a, b),
  'absent-both': absentBoth,
  always: () => true,
};

/** The operator table both engines run (json-rules-engine's built-in names replaced by fail-closed ones). */
export function operatorTable(): Record<string, Binary> {
  return { ...TESTS };
}
