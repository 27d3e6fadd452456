// `ignore`: never fails; reported as `skip` with the check's note (the
// proposal's compatible_type, which management tools ignore for now).

import { leaf, pathRef, targetOperands } from './conditions.js';
import { defineOperator, type Match } from './operator.js';

const always = defineOperator({ name: 'always', test: () => true });

export const ignore: Match = {
  name: 'ignore',
  targets: ['attribute', 'list', 'family'],
  targetHint: '',
  operators: [always],
  skippable: () => false,
  operands: (check) => targetOperands(check.target, check.scope),
  compile: () => leaf(pathRef('source', '$.host'), 'always', true),
  explain: (check) => ({ message: check.note ?? 'ignored by this policy', result: 'skip' }),
};
