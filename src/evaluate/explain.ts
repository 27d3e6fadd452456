// Explanations: a candidate's rule outcomes as the check results of the
// Decision (DESIGN §3.1) — outcome, the two values, a one-line reason. What
// a value check's reason says is its match module's business; this module
// adds what is the same for every check: skips under `onMissing: skip`, the
// attribute named before a failure, the documented key order, and the
// failing leaves of `when` conditions.

import { checkOperands, isSkippable } from '../compile.js';
import { readFact, type Facts } from '../facts.js';
import { matchOf, show, type Match } from '../matches/index.js';
import { absentBoth } from '../matches/values.js';
import { isWhenCheck, type CandidateResult, type CheckResult, type EffectiveCheck, type FactRef, type ValueCheck, type WhenCheck } from '../types.js';
import type { CandidateRun, RuleOutcome } from './run.js';
import type { SourceDevice } from './sources.js';

export interface Explained {
  result: CheckResult;
  /** What the check adds to the claim plan, when it passed. */
  claims?: Record<string, string | string[]>;
}

export function explainCheck(check: EffectiveCheck, outcome: RuleOutcome, facts: Facts, failOnSkip = false): Explained {
  return isWhenCheck(check) ? { result: explainWhen(check, outcome) } : explainValue(check, matchOf(check), outcome, facts, failOnSkip);
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
  const result = checkResult(check, skipped ? (failOnSkip ? 'fail' : 'skip') : outcome.result ? 'pass' : 'fail', message, shown);
  return shown.claims ? { result, claims: shown.claims } : { result };
}

function explainWhen(check: WhenCheck, outcome: RuleOutcome): CheckResult {
  const failing = outcome.result ? [] : failingLeaves(outcome.conditions());
  const message = outcome.result ? 'condition holds' : failing.length > 0 ? failing.join('; ') : 'condition does not hold';
  return checkResult(check, outcome.result ? 'pass' : 'fail', message);
}

/** A check result in the documented key order: id, result, severity, origin, match, source, destination, message, note. */
function checkResult(check: EffectiveCheck, outcome: CheckResult['result'], message: string, values: { source?: unknown; destination?: unknown } = {}): CheckResult {
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
  };
}

function failingLeaves(c: Record<string, unknown>): string[] {
  if (Array.isArray(c.all)) return (c.all as Record<string, unknown>[]).filter((x) => x.result === false).flatMap(failingLeaves);
  if (Array.isArray(c.any)) return (c.any as Record<string, unknown>[]).flatMap(failingLeaves);
  if (c.not && typeof c.not === 'object') return [`not (${describeLeaf(c.not as Record<string, unknown>)})`];
  return [describeLeaf(c)];
}

const isRef = (v: unknown): v is FactRef => v !== null && typeof v === 'object' && !Array.isArray(v) && 'fact' in v;
const refText = (r: FactRef) => (r.fact === 'family' ? 'family' : `${r.fact} ${r.path ?? ''}`.trim());

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
