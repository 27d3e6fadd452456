// `capacity`: the destination type has a free instance (available_instances
// ≥ 1). A policy with a capacity check bounds placement by those counts.
// Its remedy: as many free instances as are needed (`≥ 1`; placement asks
// for more when several devices share a type: src/evaluate/fixes.ts).

import { leaf, targetOperands } from './conditions.js';
import { makeFix } from './fix.js';
import { defineOperator, type Match } from './operator.js';
import { fail, pass } from './values.js';

function verdict(available: unknown, needed: unknown) {
  const n = typeof needed === 'number' ? needed : 1;
  if (typeof available === 'string' && /^\s*\d+\s*$/.test(available)) available = Number(available);
  if (typeof available !== 'number' || !Number.isInteger(available)) return fail('destination has no available_instances');
  return available >= n ? pass(`${available} instance${available === 1 ? '' : 's'} available`) : fail(`${available} available, ${n} needed`);
}

/** The remedy of too few free instances: at least `needed`. */
export const atLeastInstances = (needed: number): string => `≥ ${needed}`;

/** `available` instances of a destination type, `needed` of them (1 in compiled rules). */
export const capacityOperator = defineOperator({
  name: 'capacity',
  test: (a, b) => verdict(a, b).ok,
  verdict,
  fix: (_available, needed) => ({ operand: 'a', to: atLeastInstances(typeof needed === 'number' ? needed : 1) }),
});

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
  fix: (check, v) => (check.target.kind === 'attribute' ? [makeFix(check.target.name, check.scope, 'destination', v.destination, atLeastInstances(1))] : []),
  boundsPlacement: true,
};
