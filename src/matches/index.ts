// The registry of matches: every word of the match vocabulary and the one
// module that holds its semantics, and the operator table both evaluators
// (json-rules-engine and the bulk closures) run, built from those modules,
// json-rules-engine's built-in names made fail-closed, and the compiler's own
// operators. The schemas' enums of match and `when` operator names are
// checked against this registry by a test (test/registry.test.ts).

import { MATCHES, type MatchName, type ValueCheck } from '../types.js';
import { BUILTINS, LIST_FACT_OPERATORS, NEGATIONS } from './builtins.js';
import { capacity } from './capacity.js';
import { equal } from './equal.js';
import { equalOrListed } from './equal-or-listed.js';
import { ignore } from './ignore.js';
import { oneToOne } from './one-to-one.js';
import { defineOperator, type Binary, type FixFn, type Match, type Operator, type VerdictFn } from './operator.js';
import { superset } from './superset.js';
import { PRESENCE_OPERATORS, sync } from './sync.js';
import { absentBoth, bothPresent, fail, isPresent, pass } from './values.js';
import { versionAtLeast } from './version-at-least.js';
import { versionCompatible } from './version-compatible.js';
import { versionEqual } from './version-equal.js';

export const MATCH_MODULES: Readonly<Record<MatchName, Match>> = {
  equal,
  'version-compatible': versionCompatible,
  'version-at-least': versionAtLeast,
  'version-equal': versionEqual,
  'one-to-one': oneToOne,
  superset,
  'equal-or-listed': equalOrListed,
  capacity,
  sync,
  ignore,
};

export function matchOf(check: ValueCheck): Match {
  return MATCH_MODULES[check.match];
}

/** Why a match cannot work on a check's target (load-time); undefined when it can. */
export function targetProblem(match: MatchName, target: 'attribute' | 'list' | 'family'): string | undefined {
  const m = MATCH_MODULES[match];
  return m.targets.includes(target) ? undefined : m.targetHint;
}

/** The compiler's own operators: what a `not` needs before it may pass, and the skip condition of `onMissing: skip`. */
const COMPILER_OPERATORS: readonly Operator[] = [
  defineOperator({
    name: 'present',
    test: bothPresent,
    verdict: (a, b) => (bothPresent(a, b) ? pass('present') : fail('missing')),
    fix: (a, b) => ({ operand: isPresent(a) ? 'b' : isPresent(b) ? 'a' : 'both', to: 'present' }),
  }),
  defineOperator({ name: 'absent-both', test: absentBoth }),
];

function buildTable(): Record<string, Operator> {
  const table: Record<string, Operator> = {};
  for (const op of BUILTINS) table[op.name] = op;
  for (const name of MATCHES) for (const op of MATCH_MODULES[name].operators) table[op.name] = op;
  for (const op of COMPILER_OPERATORS) table[op.name] = op;
  return table;
}

const OPERATORS = buildTable();

/** Every operator a compiled rule may name, as a boolean test. */
export const TESTS: Readonly<Record<string, Binary>> = Object.fromEntries(Object.values(OPERATORS).map((o) => [o.name, o.test]));

/** Verdicts (with a reason) of the operators that explanations show. */
export const VERDICTS: Readonly<Record<string, VerdictFn>> = Object.fromEntries(Object.values(OPERATORS).flatMap((o) => (o.verdict ? [[o.name, o.verdict]] : [])));

/** Remedies (what would make a failing test pass) of the operators that have one, for the leaves of `when` conditions. */
export const FIXES: Readonly<Record<string, FixFn>> = Object.fromEntries(Object.values(OPERATORS).flatMap((o) => (o.fix ? [[o.name, o.fix]] : [])));

export { LIST_FACT_OPERATORS, NEGATIONS, PRESENCE_OPERATORS };

/** json-rules-engine's built-in names as both engines run them (fail-closed). */
export const BUILTIN_OPERATORS: Readonly<Record<string, Binary>> = Object.fromEntries([...BUILTINS, equal.operators[0]!].map((o) => [o.name, o.test]));

/** The operators a `when` condition may name: the built-in names, then the matches usable as operators. */
export const WHEN_OPERATORS: readonly string[] = [
  'equal',
  ...BUILTINS.map((o) => o.name),
  ...MATCHES.flatMap((m) => {
    const op = MATCH_MODULES[m].whenOperator;
    return op !== undefined && op !== 'equal' ? [op] : [];
  }),
];

/** The operator table both engines run, as name → test. */
export function operatorTable(): Record<string, Binary> {
  return { ...TESTS };
}

export type { FixFn, Match, OperandFix, Operator } from './operator.js';
export { isPresent, show, type Verdict } from './values.js';
