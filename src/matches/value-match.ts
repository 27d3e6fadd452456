// The shape shared by the matches that compare one value with another
// (equal, version-compatible, one-to-one, superset): they accept every
// value target — one attribute, a named list, a prefix family — compare the
// two sides with their operator (its family form for lists and families),
// may be skipped under `onMissing: skip`, explain a result with their
// operator's verdict, and fix a failure with their operator's remedy (for a
// family: each member that fails, in the order the reason lists them). A
// module of such a match supplies only the operator.

import type { Family } from '../facts.js';
import type { Fix, MatchName, ValueCheck } from '../types.js';
import { leaf, targetOperands } from './conditions.js';
import { familyOperator, familyOperatorName, familyMembers, type FamilyMode } from './family.js';
import { checkFixes, presentOnBoth } from './fix.js';
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
    fix: (check, v) => valueFix(check, operator, v.source, v.destination),
    ...extra,
  };
}

/** The remedy of a value check: its operator's, on the one attribute or on each failing member of the family. */
export function valueFix(check: ValueCheck, operator: Operator, source: unknown, destination: unknown): Fix[] {
  const t = check.target;
  const fixOf = (name: string, s: unknown, d: unknown): Fix[] => {
    const f = operator.fix?.(s, d, 'b');
    return f ? checkFixes(name, check.scope, f, s, d) : [];
  };
  if (t.kind === 'attribute') return fixOf(t.name, source, destination);
  const s = (source ?? {}) as Family;
  const d = (destination ?? {}) as Family;
  const names = familyMembers(s, d, familyModeOf(check) === 'each-present');
  if (names.length === 0) return presentOnBoth(t.kind === 'list' ? t.names[0]! : `${t.prefix}*`, check.scope);
  return names.flatMap((n) => (operator.test(s[n], d[n]) ? [] : fixOf(n, s[n], d[n])));
}
