// One candidate (source device × destination parent × type) as either
// evaluator leaves it: the outcome of every rule, and whether the candidate
// is compatible. Explanations, claims and placement read these.

import type { Facts } from '../facts.js';
import type { MdevType } from '../types.js';
import type { SourceDevice } from './sources.js';

/** One rule's outcome for a candidate, from either evaluator; explanations read it. */
export interface RuleOutcome {
  name: string;
  result: boolean;
  /** For `onMissing: skip` rules: whether the absent-both condition held. */
  absentBoth?: boolean;
  /** The condition tree with results, as json-rules-engine records it (built on demand by the bulk path). */
  conditions: () => Record<string, unknown>;
}

/** A candidate evaluated, before any explanation is built. */
export interface CandidateRun {
  source: SourceDevice;
  parent: string;
  type: MdevType;
  facts: Facts;
  outcomes: RuleOutcome[];
  compatible: boolean;
  /** Instances placement may put on this candidate (unbounded without a capacity check). */
  capacity: number;
  /** Checks skipped for want of data (absent on both hosts) count as failures (`--fail-on-skip`). */
  failOnSkip: boolean;
}

/**
 * A candidate is compatible when its source type is known and no
 * error-severity rule failed — nor, with `failOnSkip`, was skipped because
 * its attribute is absent on both hosts.
 */
export function finishRun(source: SourceDevice, parent: string, type: MdevType, facts: Facts, outcomes: RuleOutcome[], failOnSkip = false): CandidateRun {
  const pe = source.engine;
  let compatible = source.known;
  for (let i = 0; i < outcomes.length; i++) {
    const o = outcomes[i]!;
    if ((!o.result || (failOnSkip && o.absentBoth === true)) && !pe.warnings[i]) compatible = false;
  }
  const available = type.attributes.available_instances;
  return { source, parent, type, facts, outcomes, compatible, capacity: pe.boundedByCapacity ? (typeof available === 'number' ? available : 0) : Infinity, failOnSkip };
}

/** The ids of a candidate's checks that were skipped for want of data (absent on both hosts, `onMissing: skip`). */
export function skippedChecks(run: CandidateRun): string[] {
  return run.outcomes.filter((o) => o.absentBoth === true).map((o) => o.name);
}
