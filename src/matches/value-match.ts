// The shape shared by the matches that compare one value with another
// (equal, version-compatible, one-to-one, superset): they accept every
// value target — one attribute, a named list, a prefix family — compare the
// two sides with their operator (its family form for lists and families),
// may be skipped under `onMissing: skip`, and explain a result with their
// operator's verdict. A module of such a match supplies only the operator.

import type { MatchName, ValueCheck } from '../types.js';
import { leaf, targetOperands } from './conditions.js';
import { familyOperator, familyOperatorName, type FamilyMode } from './family.js';
import type { Match, Operator } from './operator.js';

/** The family mode a check's target needs; undefined for one attribute. */
export function familyModeOf(check: ValueCheck): FamilyMode | undefined {
  if (check.target.kind === 'attribute') return undefined;
  return check.target.kind === 'list' && check.onMissing === 'skip' ? 'each-present' : 'each';
}

export function valueMatch(name: MatchName, operator: Operator, extra: Partial<Match> = {}): Match {
  const forms = { each: familyOperator('each', operator), 'each-present': familyOperator('each-present', operator) };
  const operatorFor = (check: ValueCheck): Operator => {
    const mode = familyModeOf(check);
    return mode ? forms[mode] : operator;
  };
  return {
    name,
    targets: ['attribute', 'list', 'family'],
    targetHint: '',
    operators: [operator, forms.each, forms['each-present']],
    whenOperator: operator.name,
    skippable: () => true,
    operands: (check) => targetOperands(check.target, check.scope),
    compile: (check, ops) => {
      const mode = familyModeOf(check);
      return leaf(ops.source, mode ? familyOperatorName(mode, operator.name) : operator.name, ops.destination);
    },
    explain: (check, v) => ({ message: operatorFor(check).verdict!(v.source, v.destination).reason, source: v.source, destination: v.destination }),
    ...extra,
  };
}
