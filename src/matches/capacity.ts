// `capacity`: the destination type has a free instance (available_instances
// ≥ 1). A policy with a capacity check bounds placement by those counts.

import { leaf, targetOperands } from './conditions.js';
import { defineOperator, type Match } from './operator.js';
import { fail, pass } from './values.js';

function verdict(available: unknown, needed: unknown) {
  const n = typeof needed === 'number' ? needed : 1;
  if (typeof available === 'string' && /^\s*\d+\s*$/.test(available)) available = Number(available);
  if (typeof available !== 'number' || !Number.isInteger(available)) return fail('destination has no available_instances');
  return available >= n ? pass(`${available} instance${available === 1 ? '' : 's'} available`) : fail(`${available} available, ${n} needed`);
}

/** `available` instances of a destination type, `needed` of them (1 in compiled rules). */
export const capacityOperator = defineOperator({ name: 'capacity', test: (a, b) => verdict(a, b).ok, verdict });

export const capacity: Match = {
  name: 'capacity',
  targets: ['attribute'],
  targetHint: '`capacity` compares one `attribute`',
  operators: [capacityOperator],
  whenOperator: 'capacity',
  skippable: () => true,
  operands: (check) => targetOperands(check.target, check.scope),
  compile: (_check, ops) => leaf(ops.destination, 'capacity', 1),
  explain: (_check, v) => ({ message: verdict(v.destination, 1).reason, destination: v.destination }),
  boundsPlacement: true,
};
