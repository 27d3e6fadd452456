// Rules specialised per source device (issue 13, DESIGN §8): for one
// effective policy and one source device, the compiled rule documents become
// two generated functions of a destination (host, parent, type) — `verdict`
// (finishRun's `compatible`, stopping at the first failing error rule) and
// `outcomes` (every rule's FAIL | PASS | SKIPPED into a Uint8Array) — built
// once and cached. The source side is fixed, so every source read and every
// leaf whose operands are both constants is computed here, once; each
// destination read is one of a few fixed templates; an operator with one
// constant operand is pre-bound to it (with the operator table's results).
//
// Safety: the generated text is made ONLY of this module's fixed template
// strings, identifiers and integer indices (the `js` tag below refuses any
// other interpolation). Every value that comes from an input — attribute
// names, literals, source values, ids, the operators themselves — is an
// element of the data array `D` the generated code receives as an argument.
// A template is chosen by the rule's structure (all/any/not, which side a
// fact is on, the shape of its path), never by a value: a test proves the
// text is byte-identical for hostile and benign strings.
//
// The json-rules-engine path (the reference) and the bulk closures stay;
// the differential test holds all three to the same outcomes.

import type { RuleDocument } from '../compile.js';
import { destinationFact, factReader, parsePath, selectSideFamily, selectTypeFamily, walkPath, type Facts } from '../facts.js';
import { capacityOperator } from '../matches/capacity.js';
import { equalOperator } from '../matches/equal.js';
import { operatorTable } from '../matches/index.js';
import type { Binary } from '../matches/operator.js';
import { familyParts } from '../matches/family.js';
import { oneToOneOperator } from '../matches/one-to-one.js';
import { namesSetOnOperator, namesWithinOperator } from '../matches/sync.js';
import { absentBoth, firstValue, isPresent, listIncludes, text, values } from '../matches/values.js';
import { versionCompatibleOperator, versionCompatibleWith } from '../matches/version-compatible.js';
import type { Condition, DestinationFact, FactRef, FamilyParams, Host, HostParent, LeafCondition, MdevType } from '../types.js';
import { LazyOutcome } from './bulk.js';
import { finishRun, type CandidateRun, type RuleOutcome } from './run.js';
import type { SourceDevice } from './sources.js';

/** Per-rule outcome codes. SKIPPED: passed because absent on both sides (`onMissing: skip`). */
export const FAIL = 0,
  PASS = 1,
  SKIPPED = 2;

export interface SpecialisedRules {
  /** The generated source text (both functions), for the safety test. */
  readonly text: string;
  /** Rules, in source.engine.compiled.rules order. */
  readonly count: number;
  /**
   * Verdict only: finishRun's `compatible` (source.known, every error-severity
   * rule passes; with failOnSkip an error rule passing only by absent-both
   * fails). Stops at the first failing error rule. No allocation.
   */
  verdict(host: Host, parent: HostParent, type: MdevType): boolean;
  /** Every rule's outcome into out[at .. at + count) (at: 0 by default): FAIL | PASS | SKIPPED. No allocation. */
  outcomes(host: Host, parent: HostParent, type: MdevType, out: Uint8Array, at?: number): void;
}

// --- generated text: fixed templates, identifiers, integer indices ----------

/** A piece of generated text; only `js` makes one. */
class Code {
  private constructor(readonly text: string) {}
  static of(strings: TemplateStringsArray, parts: readonly (number | Code)[]): Code {
    let out = strings[0]!;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      if (part instanceof Code) out += part.text;
      else if (typeof part === 'number' && Number.isSafeInteger(part) && part >= 0) out += String(part);
      else throw new TypeError('generated code takes only integer indices and generated code');
      out += strings[i + 1]!;
    }
    return new Code(out);
  }
  static join(parts: readonly Code[], separator: ' && ' | ' || ' | '\n'): Code {
    return new Code(parts.map((p) => p.text).join(separator));
  }
}

/** The only way to write generated text: a template literal of this module whose interpolations are integers or Code. */
function js(strings: TemplateStringsArray, ...parts: (number | Code)[]): Code {
  // A real template literal's strings are frozen and carry `raw`: text from anywhere else is refused.
  if (!Object.isFrozen(strings) || !Array.isArray(strings.raw)) throw new TypeError('generated code comes only from template literals');
  return Code.of(strings, parts);
}

// --- destination reads -----------------------------------------------------------

/** A key no attribute map can hold as its own: a path below an attribute map that is not `prefix.name` reads through its fallback. */
const NEVER = Symbol('not a plain path');

export type Triple = (h: Host, p: HostParent, t: MdevType) => unknown;

/** A destination fact, for the rare reads outside the fixed templates (the whole fact, deep or odd paths). */
export function genericDestinationReader(path: string | undefined): Triple {
  if (!path) return (h, p, t) => destinationFact(h, p, t);
  const segments = parsePath(path);
  if (!segments) return () => undefined;
  if (segments.length === 0) return (h, p, t) => destinationFact(h, p, t);
  const [first, ...rest] = segments;
  // The destination fact's own properties, as destinationFact builds them; anything else is absent.
  const root: Triple | undefined =
    first === 'host' ? (h) => h.name : first === 'parent' ? (_h, p) => p.id : first === 'type' ? (_h, _p, t) => t : first === 'parentAttributes' ? (_h, p) => p.attributes : first === 'hostAttributes' ? (h) => h.facts : undefined;
  if (!root) return () => undefined;
  return (h, p, t) => walkPath(root(h, p, t), rest);
}

/** Destination types whose families are cached before the cache is given up for want of reuse. */
const TYPE_CACHE_PROBE = 4096;

/** A destination family (`fact: family`, side destination), as selectSideFamily selects it. */
function destinationFamily(params: FamilyParams): Triple {
  const scope = params.scope;
  if (scope !== 'parent' && scope !== 'host') {
    // The same selection as selectFamily's. A rule reads it twice in a row (absent-both, then the match): the last type's is
    // remembered. Types met again (a library caller deciding the same destinations over and over) are kept in a map; in a fleet
    // run each type is met once, so after TYPE_CACHE_PROBE selections without a single reuse the map is no longer written or read.
    let lastType: MdevType | undefined;
    let last: unknown;
    const byType = new WeakMap<MdevType, unknown>();
    let stored = 0;
    let reused = 0;
    return (_h, _p, t) => {
      if (t === lastType) return last;
      const caching = reused > 0 || stored < TYPE_CACHE_PROBE;
      let family = caching ? byType.get(t) : undefined;
      if (family !== undefined) reused++;
      else {
        family = selectTypeFamily(t, params);
        if (caching) {
          byType.set(t, family);
          stored++;
        }
      }
      lastType = t;
      last = family;
      return family;
    };
  }
  // Parent and host families are cached by attribute map (DESIGN: selectSideFamily); remember the last one to read it without allocating.
  if (params.names?.includes('@id')) return (h, p, t) => selectSideFamily(destinationFact(h, p, t), params);
  let lastMap: object | undefined;
  let last: unknown;
  return (h, p, t) => {
    const map = scope === 'parent' ? p.attributes : h.facts;
    if (map !== lastMap || lastMap === undefined) {
      last = selectSideFamily(destinationFact(h, p, t), params);
      lastMap = map;
    }
    return last;
  };
}

// --- pre-bound operators ---------------------------------------------------------

/**
 * An operator with one operand fixed, giving exactly `op(fixed, x)` (fixed
 * on the left) or `op(x, fixed)`. Operators the fleet path meets most are
 * bound with their fixed side's work done once; any other is a plain closure.
 */
function bind(op: Binary | undefined, fixed: unknown, fixedLeft: boolean): (x: unknown) => boolean {
  if (!op) return () => false;
  const call = fixedLeft ? (x: unknown) => op(fixed, x) : (x: unknown) => op(x, fixed);
  if (op === equalOperator.test && typeof fixed === 'string') {
    // Guarded by presence; identical present strings are the same; two one-line strings are the same only when identical.
    if (!isPresent(fixed)) return () => false;
    if (!fixed.includes('\n')) return (x) => x === fixed || (typeof x === 'string' ? x.includes('\n') && call(x) : call(x));
    return (x) => x === fixed || call(x);
  }
  if (op === versionCompatibleOperator.test) return versionCompatibleWith(fixed, fixedLeft ? 'source' : 'destination');
  if (op === capacityOperator.test && !fixedLeft) {
    const needed = typeof fixed === 'number' ? fixed : 1;
    return (x) => (typeof x === 'number' ? Number.isInteger(x) && x >= needed : call(x));
  }
  if (op === absentBoth) return absentBoth(fixed, undefined) ? call : () => false;
  if (fixedLeft) {
    if (op === oneToOneOperator.test) return oneToOneFrom(fixed);
    if (op === namesWithinOperator.test) return namesWithinFrom(fixed, call);
    const family = familyParts(op);
    if (family) return familyFrom(fixed, family.skipAbsent, family.element);
  } else if (op === namesSetOnOperator.test) {
    return namesSetOn(fixed, call);
  }
  return call;
}

/** one-to-one with the source fixed: its first value and its values' texts taken once. */
function oneToOneFrom(src: unknown): (dst: unknown) => boolean {
  if (!isPresent(src)) return () => false;
  const first = firstValue(src);
  const wanted = (Array.isArray(src) ? src : values(src)).map(text);
  return (dst) => {
    if (!isPresent(dst) || firstValue(dst) !== first) return false;
    for (let i = 0; i < wanted.length; i++) if (!listIncludes(dst, wanted[i]!)) return false;
    return true;
  };
}

/** names-within with the source's list fixed: a destination array is searched in place (as `values` would list it). */
function namesWithinFrom(src: unknown, call: (x: unknown) => boolean): (dst: unknown) => boolean {
  const names = values(src);
  if (names.length === 0) return () => true;
  return (dst) => {
    if (!Array.isArray(dst)) return call(dst);
    for (let i = 0; i < names.length; i++) if (!listIncludes(dst, names[i]!)) return false;
    return true;
  };
}

/** names-set-on with the device's attributes fixed: the names that have a value, taken once. */
function namesSetOn(attrs: unknown, call: (x: unknown) => boolean): (names: unknown) => boolean {
  const o = (attrs !== null && typeof attrs === 'object' ? attrs : {}) as Record<string, unknown>;
  const set = new Set<string>();
  for (const k of Object.getOwnPropertyNames(o)) if (isPresent(o[k])) set.add(k);
  return (names) => {
    if (!Array.isArray(names)) return call(names);
    for (let i = 0; i < names.length; i++) if (!set.has(text(names[i]))) return false;
    return true;
  };
}

/** A family operator (`each:…`) with the source family fixed: its members listed once, each bound to the element operator. */
function familyFrom(src: unknown, skipAbsent: boolean, element: Binary): (dst: unknown) => boolean {
  const s = (src ?? {}) as Record<string, unknown>;
  const keys: string[] = [];
  for (const n in s) keys.push(n);
  const present = keys.map((n) => isPresent(s[n]));
  const bound = keys.map((n) => bind(element, s[n], true));
  return (dst) => {
    const d = (dst ?? {}) as Record<string, unknown>;
    let seen = 0;
    for (let i = 0; i < keys.length; i++) {
      const v = d[keys[i]!];
      if (skipAbsent && !present[i] && !isPresent(v)) continue;
      seen++;
      if (!bound[i]!(v)) return false;
    }
    for (const n in d) {
      if (Object.hasOwn(s, n)) continue;
      if (skipAbsent && !isPresent(d[n])) continue;
      seen++;
      if (!element(undefined, d[n])) return false;
    }
    return seen > 0;
  };
}

// --- the compiler ------------------------------------------------------------------

const OPERATORS = operatorTable();
const operatorOf = (name: string): Binary | undefined => (Object.hasOwn(OPERATORS, name) ? OPERATORS[name] : undefined);

function isFactRef(value: LeafCondition['value']): value is FactRef {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, 'fact');
}

/** An operand: a constant (read from the fixed source now) or a destination read (by its index). */
type Operand = { constant: true; value: unknown } | { constant: false; read: number };

/** What a specialised rule is made of: its condition (or, for `onMissing: skip`, the absent-both leaf and the match), and the reads it needs. */
interface RuleCode {
  whole: Code;
  absent?: Code;
  match?: Code;
  reads: number[];
}

/** Attribute maps of the destination: the generated functions' locals `ta`, `pa`, `ha`. */
const ATTRIBUTE_PREFIXES = [
  { prefix: '$.type.attributes.', segments: ['type', 'attributes'], local: 'ta' },
  { prefix: '$.parentAttributes.', segments: ['parentAttributes'], local: 'pa' },
  { prefix: '$.hostAttributes.', segments: ['hostAttributes'], local: 'ha' },
] as const;

class Compiler {
  readonly data: unknown[] = [];
  /** Destination reads by what they read (a compiler-side key, never in the text): their index and expression. */
  private readonly readIndex = new Map<string, number>();
  readonly reads: Code[] = [];
  private readonly facts: Facts;

  constructor(source: SourceDevice) {
    // Constant reads never look at the destination; a stand-in keeps the reader's shape.
    this.facts = { source: source.fact, destination: NO_DESTINATION };
  }

  datum(value: unknown): number {
    this.data.push(value);
    return this.data.length - 1;
  }

  private read(key: string, build: () => Code): number {
    let i = this.readIndex.get(key);
    if (i === undefined) {
      i = this.reads.length;
      this.reads.push(build());
      this.readIndex.set(key, i);
    }
    return i;
  }

  operand(ref: FactRef): Operand {
    if (ref.fact === 'family') {
      if (ref.params.side !== 'destination') return { constant: true, value: factReader(ref)(this.facts) };
      const params = ref.params;
      return { constant: false, read: this.read(`family\u0000${JSON.stringify(params)}`, () => js`d${this.datum(destinationFamily(params))}(h, p, t)`) };
    }
    if (ref.fact !== 'destination') return { constant: true, value: factReader(ref)(this.facts) };
    const path = ref.path;
    // The template follows the path's shape; the names in it are data. A path that is not plain reads nothing, under the same template.
    if (path === '$.type.id') return { constant: false, read: this.read('type.id', () => js`t.id`) };
    if (path === '$.host') return { constant: false, read: this.read('host', () => js`h.name`) };
    if (path === '$.parent') return { constant: false, read: this.read('parent', () => js`p.id`) };
    if (path !== undefined) {
      for (const a of ATTRIBUTE_PREFIXES) {
        if (!path.startsWith(a.prefix)) continue;
        // One template for every path below an attribute map, whatever the name in it: a plain `prefix.name` reads the
        // name by own property; any other (not a plain path, or deeper) has a key no map holds and its reader as the fallback.
        const segments = parsePath(path);
        const plain = segments !== undefined && segments.length === a.segments.length + 1 && a.segments.every((x, i) => segments[i] === x) && typeof segments[a.segments.length] === 'string';
        const key = plain ? segments[a.segments.length]! : NEVER;
        const fallback: Triple = plain ? () => undefined : genericDestinationReader(path);
        return {
          constant: false,
          read: this.read(`${a.local}\u0000${path}`, () => {
            const k = this.datum(key);
            const f = this.datum(fallback);
            return a.local === 'ta'
              ? js`(ta !== undefined && H(ta, d${k}) ? ta[d${k}] : d${f}(h, p, t))`
              : a.local === 'pa'
                ? js`(pa !== undefined && H(pa, d${k}) ? pa[d${k}] : d${f}(h, p, t))`
                : js`(ha !== undefined && H(ha, d${k}) ? ha[d${k}] : d${f}(h, p, t))`;
          }),
        };
      }
    }
    return { constant: false, read: this.read(`generic\u0000${path ?? ''}`, () => js`d${this.datum(genericDestinationReader(path))}(h, p, t)`) };
  }

  condition(c: Condition, used: Set<number>): Code {
    if ('all' in c) return c.all.length === 0 ? js`true` : js`(${Code.join(c.all.map((x) => this.condition(x, used)), ' && ')})`;
    if ('any' in c) return c.any.length === 0 ? js`false` : js`(${Code.join(c.any.map((x) => this.condition(x, used)), ' || ')})`;
    if ('not' in c) return js`!${this.condition(c.not, used)}`;
    const op = operatorOf(c.operator);
    const left = this.operand(c);
    const right: Operand = isFactRef(c.value) ? this.operand(c.value) : { constant: true, value: c.value };
    if (left.constant && right.constant) return js`d${this.datum(op ? op(left.value, right.value) : false)}`;
    if (left.constant && !right.constant) {
      used.add(right.read);
      return js`d${this.datum(bind(op, left.value, true))}(r${right.read})`;
    }
    if (!left.constant && right.constant) {
      used.add(left.read);
      return js`d${this.datum(bind(op, right.value, false))}(r${left.read})`;
    }
    if (!left.constant && !right.constant) {
      used.add(left.read).add(right.read);
      return js`d${this.datum(op ?? (() => false))}(r${left.read}, r${right.read})`;
    }
    throw new Error('unreachable');
  }

  rule(rule: RuleDocument): RuleCode {
    const used = new Set<number>();
    const c = rule.conditions;
    const first = 'any' in c ? c.any[0] : undefined;
    if ('any' in c && first && 'operator' in first && first.operator === 'absent-both') {
      // `onMissing: skip`: any: [absent-both, ...match]; the absent-both leaf and the match apart, as the references read them.
      const absent = this.condition(first, used);
      const match = this.condition({ any: c.any.slice(1) }, used);
      return { whole: js`(${absent} || ${match})`, absent, match, reads: [...used] };
    }
    return { whole: this.condition(c, used), reads: [...used] };
  }
}

const NO_DESTINATION: DestinationFact = Object.freeze({ host: '', parent: '', type: Object.freeze({ id: '', attributes: Object.freeze({}) }), parentAttributes: Object.freeze({}), hostAttributes: Object.freeze({}) });

/** The reads a function has not declared yet, declared (reads of earlier rules are in scope: statements run in order). */
function declareReads(rule: RuleCode, reads: readonly Code[], declared: Set<number>): Code[] {
  const out: Code[] = [];
  for (const r of rule.reads) {
    if (declared.has(r)) continue;
    declared.add(r);
    out.push(js`  const r${r} = ${reads[r]!};`);
  }
  return out;
}

function generate(source: SourceDevice, failOnSkip: boolean): SpecialisedRules {
  const pe = source.engine;
  const compiler = new Compiler(source);
  const known = compiler.datum(source.known);
  const rules = pe.compiled.rules.map((r) => compiler.rule(r));
  const prologue = js`  const ta = t.attributes, pa = p.attributes, ha = h.facts;`;

  const verdict: Code[] = [js`function verdict(h, p, t) {`, js`  if (!d${known}) return false;`, prologue];
  const declaredV = new Set<number>();
  rules.forEach((r, i) => {
    if (pe.warnings[i]) return; // a warning never decides compatibility
    verdict.push(...declareReads(r, compiler.reads, declaredV));
    if (r.absent && r.match && failOnSkip) verdict.push(js`  if (${r.absent} || !${r.match}) return false;`);
    else verdict.push(js`  if (!${r.whole}) return false;`);
  });
  verdict.push(js`  return true;`, js`}`);

  const outcomes: Code[] = [js`function outcomes(h, p, t, o, k) {`, js`  k = k | 0;`, prologue];
  const declaredO = new Set<number>();
  rules.forEach((r, i) => {
    outcomes.push(...declareReads(r, compiler.reads, declaredO));
    if (r.absent && r.match) outcomes.push(js`  o[k + ${i}] = ${r.absent} ? ${SKIPPED} : ${r.match} ? ${PASS} : ${FAIL};`);
    else outcomes.push(js`  o[k + ${i}] = ${r.whole} ? ${PASS} : ${FAIL};`);
  });
  outcomes.push(js`}`);

  const header = compiler.data.map((_, i) => js`const d${i} = D[${i}];`);
  const text = Code.join([js`'use strict';`, ...header, ...verdict, ...outcomes, js`return { verdict, outcomes };`], '\n').text;
  // DESIGN §8: the text is the compiler's own templates, identifiers and indices; every input-derived value is in `data`.
  // The text depends on the policy's shape alone (the hostile-text test holds it to that), so one compiled factory serves
  // every source device of that shape: a service deciding request after request compiles once, and V8's optimised code is shared.
  let factory = factories.get(text);
  if (factory === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    factory = new Function('D', 'H', text) as Factory;
    if (factories.size >= FACTORIES_MAX) factories.clear();
    factories.set(text, factory);
  }
  const built = factory(Object.freeze([...compiler.data]), Object.hasOwn);
  return { text, count: rules.length, verdict: built.verdict, outcomes: built.outcomes };
}

type Factory = (data: readonly unknown[], hasOwn: typeof Object.hasOwn) => Pick<SpecialisedRules, 'verdict' | 'outcomes'>;
/** Compiled factories by generated text (bounded: policies have few shapes; a hostile stream of them only recompiles). */
const factories = new Map<string, Factory>();
const FACTORIES_MAX = 256;

const cache = new WeakMap<SourceDevice, [SpecialisedRules | undefined, SpecialisedRules | undefined]>();

/** The specialised rules of a source device (its effective policy's compiled rules), built once per (device, failOnSkip). */
export function specialise(source: SourceDevice, failOnSkip = false): SpecialisedRules {
  let pair = cache.get(source);
  if (!pair) {
    pair = [undefined, undefined];
    cache.set(source, pair);
  }
  const k = failOnSkip ? 1 : 0;
  return (pair[k] ??= generate(source, failOnSkip));
}

/** Whether a rule is `any: [absent-both, …]` (its outcome carries absentBoth), as both references tell it. */
const skipRules = new WeakMap<RuleDocument[], boolean[]>();
function skipFlags(rules: RuleDocument[]): boolean[] {
  let flags = skipRules.get(rules);
  if (!flags) {
    flags = rules.map((r) => {
      const first = 'any' in r.conditions ? r.conditions.any[0] : undefined;
      return first !== undefined && 'operator' in first && first.operator === 'absent-both';
    });
    skipRules.set(rules, flags);
  }
  return flags;
}

let scratch = new Uint8Array(64);

/** Same contract and results as runBulk: a CandidateRun whose outcomes build `conditions()` lazily. */
export function runSpecialised(source: SourceDevice, destHost: Host, parent: HostParent, type: MdevType, failOnSkip = false): CandidateRun {
  const spec = specialise(source, failOnSkip);
  if (scratch.length < spec.count) scratch = new Uint8Array(spec.count * 2);
  const codes = scratch;
  spec.outcomes(destHost, parent, type, codes);
  const facts: Facts = { source: source.fact, destination: destinationFact(destHost, parent, type) };
  const rules = source.engine.compiled.rules;
  const skip = skipFlags(rules);
  const outcomes: RuleOutcome[] = new Array<RuleOutcome>(spec.count);
  for (let i = 0; i < spec.count; i++) {
    const code = codes[i]!;
    outcomes[i] = new LazyOutcome(rules[i]!.name, code !== FAIL, rules[i]!, facts, skip[i] ? code === SKIPPED : undefined);
  }
  return finishRun(source, parent.id, type, facts, outcomes, failOnSkip);
}
