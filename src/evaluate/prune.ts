// Pruning (bulk output): the destination types a source device's checks rule
// out for certain, skipped without evaluation and counted. Which checks can
// prune, and how, each match module declares (`gate`); only error-severity
// checks that fail closed do.

import { matchOf } from '../matches/index.js';
import { isWhenCheck, type MdevType } from '../types.js';
import type { SourceDevice } from './sources.js';

export interface Gate {
  id: string;
  passes: (t: MdevType) => boolean;
}

const gateCache = new WeakMap<SourceDevice, Gate[]>();

/** The pruning gates of a source device, built once per device. */
export function gatesOf(s: SourceDevice): Gate[] {
  let gates = gateCache.get(s);
  if (gates) return gates;
  gates = [];
  for (const c of s.engine.policy.checks) {
    if (isWhenCheck(c)) continue;
    const passes = matchOf(c).gate?.(c, s.fact);
    if (passes) gates.push({ id: c.id, passes });
  }
  gateCache.set(s, gates);
  return gates;
}
