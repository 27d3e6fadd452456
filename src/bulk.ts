// The bulk evaluator (DESIGN §4): the same compiled rule documents that
// json-rules-engine runs, turned once into synchronous closures, for fleets.
// It implements the engine's semantics for our condition grammar exactly —
// a fact's path is resolved only when the fact is an object, a `value` that
// is `{fact, path, params}` is another fact, `all`/`any`/`not` as written —
// with the same operator functions, and a differential property test holds
// it to json-rules-engine's results. Explanations are built only on demand:
// `annotate` re-runs a condition recording what the engine would record.

import { resolvePath, type RuleDocument } from './compile.js';
import { operatorTable, selectFamily, type FamilyParams } from './operators.js';
import type { Condition, DestinationFact, FactRef, LeafCondition, SourceFact } from './types.js';

export interface Facts {
  source: SourceFact;
  destination: DestinationFact;
}

type Getter = (f: Facts) => unknown;
type Test = (f: Facts) => boolean;

export interface BulkRule {
  name: string;
  test: Test;
  /** For `onMissing: skip` rules (`any: [absent-both, match]`): whether the absent-both leaf holds. */
  skipped?: Test;
  conditions: RuleDocument['conditions'];
}

const OPERATORS = operatorTable();

function factGetter(fact: string, path: string | undefined, params: Record<string, unknown> | undefined): Getter {
  let base: Getter;
  if (fact === 'source') base = (f) => f.source;
  else if (fact === 'destination') base = (f) => f.destination;
  else if (fact === 'family') {
    const p = params as unknown as FamilyParams;
    base = (f) => selectFamily(f[p.side]?.type, p);
  } else base = () => undefined; // an unknown fact is undefined (allowUndefinedFacts), so its conditions fail closed
  if (!path) return base;
  return (f) => {
    const v = base(f);
    return v !== null && typeof v === 'object' ? resolvePath(v, path) : v;
  };
}

function valueGetter(value: LeafCondition['value']): Getter {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, 'fact')) {
    const ref = value as FactRef;
    return factGetter(ref.fact, ref.path, ref.params);
  }
  return () => value;
}

function compileCondition(c: Condition): Test {
  if ('all' in c) {
    const parts = c.all.map(compileCondition);
    return (f) => parts.every((t) => t(f));
  }
  if ('any' in c) {
    const parts = c.any.map(compileCondition);
    return (f) => parts.some((t) => t(f));
  }
  if ('not' in c) {
    const inner = compileCondition(c.not);
    return (f) => !inner(f);
  }
  const op = OPERATORS[c.operator];
  if (!op) return () => false;
  const left = factGetter(c.fact, c.path, c.params);
  const right = valueGetter(c.value);
  return (f) => op(left(f), right(f));
}

export function compileBulkRule(rule: RuleDocument): BulkRule {
  const out: BulkRule = { name: rule.name, test: compileCondition(rule.conditions), conditions: rule.conditions };
  const first = 'any' in rule.conditions ? rule.conditions.any[0] : undefined;
  if (first && 'operator' in first && first.operator === 'absent-both') out.skipped = compileCondition(first);
  return out;
}

/**
 * The condition tree with each leaf's `result`, `factResult` and
 * `valueResult`, and each branch's `result`, as json-rules-engine records
 * them: what explanations of `when` checks read.
 */
export function annotate(c: Condition, f: Facts): Record<string, unknown> {
  if ('all' in c) {
    const parts = c.all.map((x) => annotate(x, f));
    return { all: parts, result: parts.every((p) => p.result === true) };
  }
  if ('any' in c) {
    const parts = c.any.map((x) => annotate(x, f));
    return { any: parts, result: parts.some((p) => p.result === true) };
  }
  if ('not' in c) {
    const inner = annotate(c.not, f);
    return { not: inner, result: inner.result !== true };
  }
  const factResult = factGetter(c.fact, c.path, c.params)(f);
  const valueResult = valueGetter(c.value)(f);
  const op = OPERATORS[c.operator];
  return { ...c, factResult, valueResult, result: op ? op(factResult, valueResult) : false };
}
