// `equal-or-listed` (cross-type mode): the values are identical, or the
// source value is listed in the destination type's `compatible_type`.

import { readFact } from '../facts.js';
import { leaf, pathRef, targetOperands } from './conditions.js';
import { equalOperator } from './equal.js';
import { defineOperator, type Guard, type Match } from './operator.js';
import { fail, firstValue, isPresent, listIncludes, pass, show, values } from './values.js';

const COMPATIBLE_TYPE = pathRef('destination', '$.type.attributes.compatible_type');

/** The source value must be present, and the destination must list something. */
const LISTING: Guard = {
  holds: (a, b) => isPresent(a) && isPresent(b),
  refuse: (a) => fail(isPresent(a) ? 'the destination lists nothing' : 'missing on the source'),
};

/** The source value (its first, for a list) is among the destination's list (e.g. the source type id in compatible_type). */
export const listedInOperator = defineOperator({
  name: 'listed-in',
  guard: LISTING,
  test: (a, b) => listIncludes(b, firstValue(a)!),
  verdict: (src, dst) => {
    const s = values(src)[0]!;
    return values(dst).includes(s) ? pass(`\`${s}\` is listed by the destination`) : fail(`\`${s}\` is not listed by the destination (${show(dst)})`);
  },
});

const equalVerdict = equalOperator.verdict!;
const listedVerdict = listedInOperator.verdict!;

/** The match as one operator, for `when` conditions. */
const equalOrListedOperator = defineOperator({
  name: 'equal-or-listed',
  test: (a, b) => equalOperator.test(a, b) || listedInOperator.test(a, b),
  verdict: (a, b) => {
    const same = equalVerdict(a, b);
    return same.ok ? same : listedVerdict(a, b);
  },
});

export const equalOrListed: Match = {
  name: 'equal-or-listed',
  targets: ['attribute'],
  targetHint: '`equal-or-listed` compares one `attribute`',
  operators: [listedInOperator, equalOrListedOperator],
  whenOperator: 'equal-or-listed',
  skippable: () => true,
  operands: (check) => targetOperands(check.target, check.scope),
  compile: (_check, ops) => ({ any: [leaf(ops.source, 'equal', ops.destination), leaf(ops.source, 'listed-in', COMPATIBLE_TYPE)] }),
  explainReadsFacts: 'destination',
  explain: (_check, v, facts) => {
    const same = equalVerdict(v.source, v.destination);
    const listed = listedVerdict(v.source, readFact(COMPATIBLE_TYPE, facts));
    return { message: same.ok ? same.reason : listed.ok ? listed.reason : `${same.reason}, and ${listed.reason}`, source: v.source, destination: v.destination };
  },
};
