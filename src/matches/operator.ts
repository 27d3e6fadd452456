// What a match module is made of. An Operator is one comparison as both
// evaluators run it (a fast boolean test) and as explanations show it (a
// verdict with a reason), with its fail-closed guard declared beside it, as
// json-rules-engine's own Operator pairs a fact validator with its callback:
// the guard runs first in both, so neither can pass a value the guard
// refuses. A Match is one word of the policy vocabulary (DESIGN §2.1): the
// targets it accepts, its operators, how it compiles to a rule condition,
// how a result is explained, what it adds to the claim plan, and whether it
// can prune candidates before evaluation, and what would make a failing
// result pass (issue 17: every refusal carries its remedy as data).

import type { Facts } from '../facts.js';
import type { Condition, FactRef, Fix, MatchName, SourceFact, TargetKind, ValueCheck } from '../types.js';
import { bothPresent, missing, type Verdict } from './values.js';

export type Binary = (a: unknown, b: unknown) => boolean;
export type VerdictFn = (a: unknown, b: unknown) => Verdict;

/**
 * What would make an operator's test pass: which operand must change — the
 * first `a` (a rule leaf's fact; a value check's source), the second `b`
 * (its value; the destination), or `both` — and what it must become: a
 * value as text (a list's values joined by ", "), or a range or condition in
 * words (`≥ 1.2.0 <2.0.0`, `≥ 1`, `present`).
 */
export interface OperandFix {
  operand: 'a' | 'b' | 'both';
  to: string;
}

/**
 * An operator's remedy for a failing test. `prefer` names the operand to
 * change when changing either would do (a value check prefers the
 * destination, `b`); the other is changed only when the preferred one alone
 * cannot make the test pass. Undefined when nothing definite can be said.
 */
export type FixFn = (a: unknown, b: unknown, prefer: 'a' | 'b') => OperandFix | undefined;

export interface Operator {
  name: string;
  test: Binary;
  /** The same decision with a reason; absent for operators no explanation shows (json-rules-engine's built-ins, the compiler's own). */
  verdict?: VerdictFn;
  /** What would make a failing test pass (runs without the guard: it handles missing values itself). */
  fix?: FixFn;
}

/** A precondition of an operator: when it does not hold, the test is false and the verdict is `refuse`. */
export interface Guard {
  holds: Binary;
  refuse: VerdictFn;
}

/** Both values present (not missing, empty or whitespace-only): the guard of every value comparison. */
export const BOTH_PRESENT: Guard = { holds: bothPresent, refuse: (a, b) => missing(a, b)! };

/** An operator whose test and verdict run behind its guard: `test` and `verdict` may assume the guard holds. */
export function defineOperator(spec: { name: string; guard?: Guard; test: Binary; verdict?: VerdictFn; fix?: FixFn }): Operator {
  const { name, guard, test, verdict, fix } = spec;
  const op: Operator = guard ? { name, test: (a, b) => guard.holds(a, b) && test(a, b) } : { name, test };
  if (verdict) op.verdict = guard ? (a, b) => (guard.holds(a, b) ? verdict(a, b) : guard.refuse(a, b)) : verdict;
  if (fix) op.fix = fix;
  return op;
}

export interface Operands {
  source: FactRef;
  destination: FactRef;
}

/** How one result of a check is shown: the reason, the two values, and what it adds to the claim plan. */
export interface Explanation {
  message: string;
  source?: unknown;
  destination?: unknown;
  claims?: Record<string, string | string[]>;
  /** Set when the match decides the outcome shown regardless of the rule (`ignore`: always a skip). */
  result?: 'skip';
}

/**
 * A pruning test on one attribute of a destination type (`@id`: its id), as
 * normalised: the fleet path reads that one value from a raw host before
 * normalising the rest, the library path from the typed host.
 */
export interface Gate {
  attribute: string;
  passes: (value: unknown) => boolean;
}

export interface Match {
  name: MatchName;
  /** The targets it compares; a check giving another is a load error with `targetHint`. */
  targets: readonly TargetKind[];
  targetHint: string;
  /** Every operator its compiled conditions name, for the table both evaluators run. */
  operators: readonly Operator[];
  /** The operator name `when` conditions may use for it (listed in the policy schema's operator enum). */
  whenOperator?: string;
  /** Whether `onMissing: skip` turns "absent on both sides" into a skip for this check. */
  skippable(check: ValueCheck): boolean;
  /** The two values the check compares, as fact references. */
  operands(check: ValueCheck): Operands;
  /** The rule condition (json-rules-engine data) that decides the check. */
  compile(check: ValueCheck, operands: Operands): Condition;
  /** The reason and values shown for a result; `claims` when it passed and carries values to the destination. */
  explain(check: ValueCheck, values: { source: unknown; destination: unknown }, facts: Facts, passed: boolean): Explanation;
  /**
   * For a failed check: the smallest changes that together would make it
   * pass, each on one host (usually one; a family: one per failing member;
   * a value both hosts lack: one on each), derived from the match's own rule,
   * never from its message; empty when nothing definite can be said. Reads
   * what `explain` reads (see `explainReadsFacts`), so the fleet path
   * memoises it with the explanation.
   */
  fix?(check: ValueCheck, values: { source: unknown; destination: unknown }, facts: Facts): Fix[];
  /**
   * For pruning: a test a destination type must pass for the check to have
   * any chance, given the source. Only for checks that fail for certain
   * otherwise; undefined when the check cannot prune.
   */
  gate?(check: ValueCheck, source: SourceFact): Gate | undefined;
  /** Whether the check must give its own `value` (and what it must be): `version-at-least`'s minimum version. */
  value?: { check(value: string): boolean; hint: string };
  /**
   * Which facts `explain` and `fix` read beyond the two values: `source` (the source
   * side only: for one source device, a result is still a function of the
   * destination value and the outcome, which output may memoise) or
   * `destination` (never memoised). Absent: the two values alone.
   */
  explainReadsFacts?: 'source' | 'destination';
  /** Whether a passing check of this match adds to the claim plan (its explanation's `claims`). */
  carriesClaims?: boolean;
  /** Whether a check of this match bounds placement by available_instances. */
  boundsPlacement?: boolean;
}
