// `equal`: both values present and identical (DESIGN §2.1). Also a pruning
// gate: an `equal` check on one attribute that fails closed and refuses
// (error severity) rules out, without evaluating it, every destination type
// whose value is not the source's string. Its remedy: the other side's
// value, on the side preferred (the destination, for a check).

import { copyValue, missingFix } from './fix.js';
import { BOTH_PRESENT, defineOperator } from './operator.js';
import { valueMatch } from './value-match.js';
import { bothPresent, fail, pass, sameValue, show } from './values.js';

export const equalOperator = defineOperator({
  name: 'equal',
  guard: BOTH_PRESENT,
  test: sameValue,
  verdict: (a, b) => (sameValue(a, b) ? pass('identical') : fail(`source ${show(a)} differs from destination ${show(b)}`)),
  fix: (a, b, prefer) => {
    if (!bothPresent(a, b)) return missingFix(a, b, copyValue);
    return prefer === 'b' ? { operand: 'b', to: copyValue(a) } : { operand: 'a', to: copyValue(b) };
  },
});

export const equal = valueMatch('equal', equalOperator, {
  gate(check, source) {
    const t = check.target;
    // Only a check on the type's own attribute decides per destination type (parent and host facts are the parent's, the host's).
    if (t.kind !== 'attribute' || check.scope !== 'type' || check.onMissing !== 'fail' || check.severity !== 'error') return undefined;
    const name = t.name;
    const want = name === '@id' ? source.type.id : source.type.attributes[name];
    if (typeof want !== 'string') return undefined; // lists and numbers compare by the full rule
    // The same comparison the check makes (multi-line values line by line), so pruning never refuses what the rule accepts.
    return { attribute: name, passes: (value) => sameValue(value, want) };
  },
});
