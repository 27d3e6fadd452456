// Stage 4 — compile: the effective policy becomes json-rules-engine rule
// documents, one rule per check, as plain data (what `mdev-policy compile`
// prints). What a value check compiles to is its match module's business
// (src/matches/); this module adds what is the same for every check: a
// check with `onMissing: skip` becomes `any: [absent-both, match]` (the
// evaluators read the first condition's result to tell a skip from a pass),
// and every leaf under a `not` in a `when` condition is guarded by `present`.

import { leaf } from './matches/conditions.js';
import { matchOf } from './matches/index.js';
import type { Operands } from './matches/operator.js';
import { isWhenCheck, type Condition, type EffectiveCheck, type EffectivePolicy, type LeafCondition, type PolicyRef, type ValueCheck } from './types.js';

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

/** The two values a value check compares, as fact references. */
export function checkOperands(check: ValueCheck): Operands {
  return matchOf(check).operands(check);
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
  return [leaf(c, 'present', value)];
}

/** Whether a value check's rule is `any: [absent-both, match]` (its result can be a skip). */
export function isSkippable(check: ValueCheck): boolean {
  return check.onMissing === 'skip' && matchOf(check).skippable(check);
}

export function compileCheck(check: EffectiveCheck): RuleDocument {
  let conditions: RuleDocument['conditions'];
  if (isWhenCheck(check)) {
    conditions = wrap(guardNot(check.target.condition));
  } else {
    const ops = checkOperands(check);
    const match = matchOf(check).compile(check, ops);
    conditions = isSkippable(check) ? { any: [leaf(ops.source, 'absent-both', ops.destination), match] } : wrap(match);
  }
  return { name: check.id, priority: 1, conditions, event: { type: 'check', params: { id: check.id } } };
}

function wrap(c: Condition): RuleDocument['conditions'] {
  return 'all' in c || 'any' in c || 'not' in c ? c : { all: [c] };
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
