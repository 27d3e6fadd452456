// Explanations: a candidate's rule outcomes as the check results of the
// Decision (DESIGN §3.1) — outcome, the two values, a one-line reason. What
// a value check's reason says is its match module's business; this module
// adds what is the same for every check: skips under `onMissing: skip`, the
// attribute named before a failure, the documented key order, the failing
// leaves of `when` conditions, and the fixes of a failure (issue 17): the
// match's own, the failing leaves' operators' for a `when` (every failing
// leaf of an `all`, the first branch of an `any` whose fixes are complete;
// none when a leaf that must change has no fix), and "present on
// both sides" for what `--fail-on-skip` refuses. The result shows the fix
// when one change would do (src/matches/fix.ts shownFix), so the library
// path and the fleet path (which memoises results) both carry it; the whole
// list is what a refused destination's fixes are assembled from.

import { checkOperands, isSkippable } from '../compile.js';
import { readFact, type Facts } from '../facts.js';
import { makeFix, presentOnBoth, shownFix } from '../matches/fix.js';
import { FIXES, LIST_FACT_OPERATORS, matchOf, NEGATIONS, show, type Match, type OperandFix } from '../matches/index.js';
import { isListAttribute } from '../normalize.js';
import { absentBoth } from '../matches/values.js';
import { isWhenCheck, type CandidateResult, type CheckResult, type EffectiveCheck, type FactRef, type Fix, type ValueCheck, type WhenCheck } from '../types.js';
import type { CandidateRun, RuleOutcome } from './run.js';
import type { SourceDevice } from './sources.js';

export interface Explained {
  result: CheckResult;
  /** What the check adds to the claim plan, when it passed. */
  claims?: Record<string, string | string[]>;
  /** When it failed: every change that together would make it pass (the result's `fix`, when one change would do). */
  fixes?: Fix[];
}

export function explainCheck(check: EffectiveCheck, outcome: RuleOutcome, facts: Facts, failOnSkip = false): Explained {
  return isWhenCheck(check) ? explainWhen(check, outcome) : explainValue(check, matchOf(check), outcome, facts, failOnSkip);
}

function explainValue(check: ValueCheck, match: Match, outcome: RuleOutcome, facts: Facts, failOnSkip: boolean): Explained {
  const ops = checkOperands(check);
  const values = { source: readFact(ops.source, facts), destination: readFact(ops.destination, facts) };
  const shown = match.explain(check, values, facts, outcome.result);
  if (shown.result === 'skip') return { result: checkResult(check, 'skip', shown.message) };
  const skipped = isSkippable(check) && outcome.absentBoth === true && absentBoth(values.source, values.destination);
  let message = shown.message;
  if (skipped) message = failOnSkip ? 'absent on both sides: not verified, and --fail-on-skip refuses what could not be checked' : 'absent on both sides: skipped (onMissing: skip)';
  else if (check.target.kind === 'attribute' && !outcome.result) message = `${check.target.name}: ${message}`;
  const result = skipped ? (failOnSkip ? 'fail' : 'skip') : outcome.result ? 'pass' : 'fail';
  const fixes = result !== 'fail' ? [] : skipped ? presentOnBoth(targetName(check), check.scope) : (match.fix?.(check, values, facts) ?? []);
  const explained: Explained = { result: checkResult(check, result, message, shown, shownFix(fixes)) };
  if (shown.claims) explained.claims = shown.claims;
  if (fixes.length > 0) explained.fixes = fixes;
  return explained;
}

/** How a fix names a check's target: the attribute, a list's first name, a family's prefix with `*`. */
function targetName(check: ValueCheck): string {
  const t = check.target;
  return t.kind === 'attribute' ? t.name : t.kind === 'list' ? t.names[0]! : `${t.prefix}*`;
}

function explainWhen(check: WhenCheck, outcome: RuleOutcome): Explained {
  if (outcome.result) return { result: checkResult(check, 'pass', 'condition holds') };
  const tree = outcome.conditions();
  const failing = failingLeaves(tree);
  const fixes = conditionFixes(tree) ?? [];
  const result = checkResult(check, 'fail', failing.length > 0 ? failing.map(describeFailing).join('; ') : 'condition does not hold', {}, shownFix(fixes));
  return fixes.length > 0 ? { result, fixes } : { result };
}

/** A check result in the documented key order: id, result, severity, origin, match, source, destination, message, note, fix. */
function checkResult(check: EffectiveCheck, outcome: CheckResult['result'], message: string, values: { source?: unknown; destination?: unknown } = {}, fix?: Fix): CheckResult {
  return {
    id: check.id,
    result: outcome,
    ...(outcome === 'fail' && check.severity === 'warning' ? { severity: 'warning' as const } : {}),
    origin: check.origin,
    ...(check.match !== undefined ? { match: check.match } : {}),
    ...(values.source !== undefined ? { source: values.source } : {}),
    ...(values.destination !== undefined ? { destination: values.destination } : {}),
    message,
    ...(check.note !== undefined ? { note: check.note } : {}),
    ...(fix !== undefined ? { fix } : {}),
  };
}

/** A leaf that made a `when` condition fail: one that did not hold, or (`negated`) one under a `not` that did. */
interface FailingLeaf {
  leaf: Record<string, unknown>;
  negated: boolean;
}

function failingLeaves(c: Record<string, unknown>): FailingLeaf[] {
  if (Array.isArray(c.all)) return (c.all as Record<string, unknown>[]).filter((x) => x.result === false).flatMap(failingLeaves);
  if (Array.isArray(c.any)) return (c.any as Record<string, unknown>[]).flatMap(failingLeaves);
  if (c.not && typeof c.not === 'object') return [{ leaf: c.not as Record<string, unknown>, negated: true }];
  return [{ leaf: c, negated: false }];
}

function describeFailing(f: FailingLeaf): string {
  return f.negated ? `not (${describeLeaf(f.leaf)})` : describeLeaf(f.leaf);
}

const isRef = (v: unknown): v is FactRef => v !== null && typeof v === 'object' && !Array.isArray(v) && 'fact' in v;
const refText = (r: FactRef) => (r.fact === 'family' ? 'family' : `${r.fact} ${r.path ?? ''}`.trim());

/** Where a fact path points, as a fix names it: the side, the scope and the attribute (`@id` for an id); undefined for a path naming no one value. */
function fixTarget(fact: unknown, path: unknown): Pick<Fix, 'attribute' | 'scope' | 'side'> | undefined {
  if ((fact !== 'source' && fact !== 'destination') || typeof path !== 'string') return undefined;
  // A whole attribute only: a path into one (`compatible_l[0]`) names no attribute a fix could set, so it gets none.
  const known: [RegExp, Fix['scope']][] = [
    [/^\$\.type\.attributes\.([^.[\]]+)$/, 'type'],
    [/^\$\.parentAttributes\.([^.[\]]+)$/, 'parent'],
    [/^\$\.hostAttributes\.([^.[\]]+)$/, 'host'],
    [/^\$\.device\.attributes\.([^.[\]]+)$/, 'device'],
  ];
  for (const [re, scope] of known) {
    const m = re.exec(path);
    if (m) return { attribute: m[1]!, scope, side: fact };
  }
  const ids: Record<string, Fix['scope']> = { '$.type.id': 'type', '$.parent': 'parent', '$.host': 'host', '$.device.uuid': 'device' };
  const scope = ids[path];
  return scope === undefined ? undefined : { attribute: '@id', scope, side: fact };
}

/**
 * The changes that would make a failed condition hold, or undefined when no
 * complete set can be said: every failing part of an `all` (one that cannot
 * be fixed leaves the whole `all` unfixed), the first part of an `any` whose
 * fixes are complete, a leaf's (or a negated leaf's) own. A set is offered
 * only when every failing leaf it must change has a fix: a part-fix would
 * be applied and the check would still fail.
 */
function conditionFixes(c: Record<string, unknown>): Fix[] | undefined {
  if (Array.isArray(c.all)) {
    const out: Fix[] = [];
    for (const x of c.all as Record<string, unknown>[]) {
      if (x.result !== false) continue;
      const fixes = conditionFixes(x);
      if (fixes === undefined) return undefined;
      out.push(...fixes);
    }
    return out;
  }
  if (Array.isArray(c.any)) {
    for (const x of c.any as Record<string, unknown>[]) {
      const fixes = conditionFixes(x);
      if (fixes !== undefined && fixes.length > 0) return fixes;
    }
    return undefined;
  }
  const fixes = c.not && typeof c.not === 'object' ? leafFixes(c.not as Record<string, unknown>, true) : leafFixes(c, false);
  return fixes.length > 0 ? fixes : undefined;
}

/**
 * The remedy of one failing leaf: its operator's (under a `not`, the negated
 * operator's), on the leaf's fact or — when the value is a fact of the
 * destination and the operator may change either — on that fact; both, one
 * on each (a literal value needs none).
 */
function leafFixes(c: Record<string, unknown>, negated: boolean): Fix[] {
  if (!('fact' in c) || typeof c.operator !== 'string') return [];
  const operator = negated ? NEGATIONS[c.operator] : c.operator;
  const fixFn = operator === undefined ? undefined : FIXES[operator];
  const value = c.value;
  const valueRef = isRef(value) && value.fact !== 'family' ? value : undefined;
  const prefer = valueRef?.fact === 'destination' && c.fact !== 'destination' ? 'b' : 'a';
  const got: OperandFix | undefined = fixFn?.(c.factResult, c.valueResult, prefer);
  if (!got) return [];
  const a = fixTarget(c.fact, c.path);
  const b = valueRef && fixTarget(valueRef.fact, valueRef.path);
  // contains / doesNotContain on an attribute that is no list (a fact, a scalar type attribute, a device attribute written as one string): no value would make it hold.
  if (LIST_FACT_OPERATORS.has(operator!) && !(a && ((a.scope === 'type' && isListAttribute(a.attribute)) || (a.scope === 'device' && Array.isArray(c.factResult))))) return [];
  const out: Fix[] = [];
  if (got.operand !== 'b' && a) out.push(makeFix(a.attribute, a.scope, a.side, c.factResult, got.to));
  if (got.operand !== 'a' && b) out.push(makeFix(b.attribute, b.scope, b.side, c.valueResult, got.to));
  return out;
}

function describeLeaf(c: Record<string, unknown>): string {
  if (!('fact' in c)) return 'a nested condition';
  const path = typeof c.path === 'string' ? c.path : '';
  if (c.operator === 'present') {
    const other = isRef(c.value) ? ` or ${refText(c.value)}` : '';
    return `${String(c.fact)} ${path}${other} is missing, so the \`not\` cannot hold (fail closed)`.replace(/\s+/g, ' ');
  }
  const rhs = isRef(c.value) ? refText(c.value) : show(c.value);
  return `${String(c.fact)} ${path} ${String(c.operator)} ${rhs}: ${show(c.factResult)} vs ${show(c.valueResult)}`.replace(/\s+/g, ' ');
}

export const unknownType = (s: SourceDevice): CheckResult => ({
  id: 'source-type',
  result: 'fail',
  origin: 'mdev-policy',
  message: `parent \`${s.device.parent}\` of the source does not list type \`${s.device.type}\`: nothing is known of it, so it cannot be matched`,
});

/** The check results of a candidate: every check, or only those that failed (errors and warnings). */
export function explainRun(run: CandidateRun, which: 'all' | 'failing'): CandidateResult {
  const pe = run.source.engine;
  const checks: CheckResult[] = [];
  for (const o of run.outcomes) {
    if (which === 'failing' && o.result && !(run.failOnSkip && o.absentBoth === true)) continue;
    checks.push(explainCheck(pe.checks.get(o.name)!, o, run.facts, run.failOnSkip).result);
  }
  if (!run.source.known) checks.push(unknownType(run.source));
  return { device: run.source.device.uuid, parent: run.parent, type: run.type.id, compatible: run.compatible, checks };
}
