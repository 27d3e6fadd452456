// Pruning (bulk output): the destination types a source device's checks rule
// out for certain, skipped without evaluation and counted. Which checks can
// prune, and how, each match module declares (`gate`: a test on one
// attribute of the destination type); only error-severity checks that fail
// closed do.

import { matchOf } from '../matches/index.js';
import { isWhenCheck, type MdevType } from '../types.js';
import type { SourceDevice } from './sources.js';

export interface Gate {
  id: string;
  /** The attribute of the destination type the gate reads (`@id`: the type id). */
  attribute: string;
  /** The test on that attribute's normalised value (undefined when absent). */
  passesValue: (value: unknown) => boolean;
  /** The same test on a typed destination type. */
  passes: (t: MdevType) => boolean;
}

const gateCache = new WeakMap<SourceDevice, Gate[]>();

/** The value a gate reads from a typed destination type: its id, or an own attribute. */
export function gateValue(t: MdevType, attribute: string): unknown {
  if (attribute === '@id') return t.id;
  return Object.hasOwn(t.attributes, attribute) ? t.attributes[attribute] : undefined;
}

/** The pruning gates of a source device, built once per device. */
export function gatesOf(s: SourceDevice): Gate[] {
  let gates = gateCache.get(s);
  if (gates) return gates;
  gates = [];
  for (const c of s.engine.policy.checks) {
    if (isWhenCheck(c)) continue;
    const gate = matchOf(c).gate?.(c, s.fact);
    if (gate) gates.push({ id: c.id, attribute: gate.attribute, passesValue: gate.passes, passes: (t) => gate.passes(gateValue(t, gate.attribute)) });
  }
  gateCache.set(s, gates);
  return gates;
}
