// The bulk evaluator (DESIGN §4): the same compiled rule documents that
// json-rules-engine runs, turned once into synchronous closures, for fleets.
// It implements the engine's semantics for our condition grammar exactly —
// facts read through src/facts.ts as the engine's path resolver reads them,
// a `value` that is `{fact, path | params}` is another fact, `all`/`any`/`not`
// as written — with the same operator table, and a differential property
// test holds it to json-rules-engine's results. Explanations are built only
// on demand: `annotate` re-runs a condition recording what the engine would.

import type { RuleDocument } from '../compile.js';
import { destinationFact, factReader, type Facts, type Reader } from '../facts.js';
import { operatorTable } from '../matches/index.js';
import type { Condition, FactRef, Host, HostParent, LeafCondition, MdevType } from '../types.js';
import type { PolicyEngine } from './engine.js';
import { finishRun, type CandidateRun, type RuleOutcome } from './run.js';
import type { SourceDevice } from './sources.js';

type Test = (f: Facts) => boolean;

export interface BulkRule {
  name: string;
  /** The whole rule. */
  test: Test;
  /** For `onMissing: skip` rules (`any: [absent-both, ...match]`): the absent-both leaf, and the match alone. */
  skipped?: Test;
  match?: Test;
  conditions: RuleDocument['conditions'];
}

const OPERATORS = operatorTable();

function isFactRef(value: LeafCondition['value']): value is FactRef {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, 'fact');
}

function valueReader(value: LeafCondition['value']): Reader {
  return isFactRef(value) ? factReader(value) : () => value;
}

function compileCondition(c: Condition): Test {
  if ('all' in c) {
    const parts = c.all.map(compileCondition);
    if (parts.length === 1) return parts[0]!;
    return (f) => {
      for (let i = 0; i < parts.length; i++) if (!parts[i]!(f)) return false;
      return true;
    };
  }
  if ('any' in c) {
    const parts = c.any.map(compileCondition);
    if (parts.length === 1) return parts[0]!;
    return (f) => {
      for (let i = 0; i < parts.length; i++) if (parts[i]!(f)) return true;
      return false;
    };
  }
  if ('not' in c) {
    const inner = compileCondition(c.not);
    return (f) => !inner(f);
  }
  const op = OPERATORS[c.operator];
  if (!op) return () => false;
  const left = factReader(c);
  const right = valueReader(c.value);
  return (f) => op(left(f), right(f));
}

export function compileBulkRule(rule: RuleDocument): BulkRule {
  const out: BulkRule = { name: rule.name, test: compileCondition(rule.conditions), conditions: rule.conditions };
  const first = 'any' in rule.conditions ? rule.conditions.any[0] : undefined;
  if (first && 'operator' in first && first.operator === 'absent-both' && 'any' in rule.conditions) {
    out.skipped = compileCondition(first);
    out.match = compileCondition({ any: rule.conditions.any.slice(1) });
  }
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
  const factResult = factReader(c)(f);
  const valueResult = valueReader(c.value)(f);
  const op = OPERATORS[c.operator];
  return { ...c, factResult, valueResult, result: op ? op(factResult, valueResult) : false };
}

/**
 * A rule's outcome with its condition tree annotated only if an explanation
 * asks: what the bulk closures, the specialised rules and the fleet path hand
 * to explanations.
 */
export class LazyOutcome implements RuleOutcome {
  constructor(
    readonly name: string,
    readonly result: boolean,
    private readonly rule: { conditions: Condition },
    private readonly facts: Facts,
    readonly absentBoth?: boolean,
  ) {}
  conditions(): Record<string, unknown> {
    return annotate(this.rule.conditions, this.facts);
  }
}

const bulkRules = new WeakMap<PolicyEngine, BulkRule[]>();
function bulkRulesOf(pe: PolicyEngine): BulkRule[] {
  let rules = bulkRules.get(pe);
  if (!rules) {
    rules = pe.compiled.rules.map(compileBulkRule);
    bulkRules.set(pe, rules);
  }
  return rules;
}

/** A candidate through the bulk evaluator: the same rules as closures, explanations on demand. */
export function runBulk(source: SourceDevice, destHost: Host, parent: HostParent, type: MdevType, failOnSkip = false): CandidateRun {
  const facts: Facts = { source: source.fact, destination: destinationFact(destHost, parent, type) };
  const rules = bulkRulesOf(source.engine);
  const outcomes: RuleOutcome[] = new Array<RuleOutcome>(rules.length);
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!;
    if (rule.skipped) {
      // any: [absent-both, match]: the absent-both leaf once, then the match only when needed.
      const absent = rule.skipped(facts);
      outcomes[i] = new LazyOutcome(rule.name, absent || rule.match!(facts), rule, facts, absent);
    } else {
      outcomes[i] = new LazyOutcome(rule.name, rule.test(facts), rule, facts);
    }
  }
  return finishRun(source, parent.id, type, facts, outcomes, failOnSkip);
}
