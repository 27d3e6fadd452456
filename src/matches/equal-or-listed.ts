// `equal-or-listed` (cross-type mode): the values are identical, or the
// source value is listed in the destination type's `compatible_type`. Its
// remedy: the destination type lists the source type in its
// compatible_type (a type id cannot change); for another attribute, the
// destination takes the source's value.

import { readFact } from '../facts.js';
import { leaf, pathRef, targetOperands } from './conditions.js';
import { equalOperator } from './equal.js';
import { checkFixes, listText, makeFix, missingFix, union } from './fix.js';
import { defineOperator, type FixFn, type Guard, type Match } from './operator.js';
import { bothPresent, fail, firstValue, isPresent, listIncludes, pass, show, values } from './values.js';

const COMPATIBLE_TYPE = pathRef('destination', '$.type.attributes.compatible_type');

/** The source value must be present, and the destination must list something. */
const LISTING: Guard = {
  holds: (a, b) => isPresent(a) && isPresent(b),
  refuse: (a) => fail(isPresent(a) ? 'the destination lists nothing' : 'missing on the source'),
};

/** The remedy of a listing: the list gains the value's first; a missing value takes the list's first. */
const listFix: FixFn = (a, b, prefer) => {
  if (!bothPresent(a, b)) return missingFix(a, b, firstValue);
  return prefer === 'b' ? { operand: 'b', to: listText(union(values(b), [firstValue(a)!])) } : { operand: 'a', to: firstValue(b)! };
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
  fix: listFix,
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
  fix: listFix,
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
  fix: (check, v, facts) => {
    if (check.target.kind !== 'attribute') return [];
    const name = check.target.name;
    // The type id is what a type is: the destination type lists the source's in compatible_type instead.
    if (name === '@id' && check.scope === 'type' && isPresent(v.source)) {
      const listed = readFact(COMPATIBLE_TYPE, facts);
      return [makeFix('compatible_type', 'type', 'destination', listed, listText(union(values(listed), [firstValue(v.source)!])))];
    }
    const f = equalOperator.fix!(v.source, v.destination, 'b');
    return f ? checkFixes(name, check.scope, f, v.source, v.destination) : [];
  },
};
