// json-rules-engine's built-in operator names, for `when` conditions, made
// fail-closed: the engine's own notEqual, notIn and doesNotContain pass on
// an undefined fact; these never pass on a missing value, and a value that
// is empty or whitespace-only is missing here as everywhere. (`equal` is the
// equal match's operator.) The remedy of each is a condition on the fact
// (the leaf's first operand) in words or, where one exists, a value; a
// comparison between two facts may be met by the value's fact instead.

import { listText, valueText } from './fix.js';
import { defineOperator, type FixFn, type Guard, type Operator } from './operator.js';
import { fail, isPresent, sameValue, values } from './values.js';

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return Number.NaN;
}

/** Both values are numbers, or strings that read as one. */
const NUMBERS: Guard = { holds: (a, b) => !Number.isNaN(num(a)) && !Number.isNaN(num(b)), refuse: () => fail('not numbers') };
/** A comparison and its remedy: the fact within `bound` of the value, or (preferred, and a number) the value within `converse` of the fact. */
const compare = (name: string, test: (a: number, b: number) => boolean, bound: string, converse: string) =>
  defineOperator({
    name,
    guard: NUMBERS,
    test: (a, b) => test(num(a), num(b)),
    fix: (a, b, prefer) => {
      if (prefer === 'b' && !Number.isNaN(num(a))) return { operand: 'b', to: `${converse} ${num(a)}` };
      return Number.isNaN(num(b)) ? undefined : { operand: 'a', to: `${bound} ${num(b)}` };
    },
  });

/** A condition on the fact alone (a missing fact must first be present). */
const onFact =
  (to: (b: unknown, a: unknown) => string | undefined): FixFn =>
  (a, b) => {
    const t = to(b, a);
    return t === undefined ? undefined : { operand: 'a', to: isPresent(a) ? t : `present, ${t}` };
  };
const listed = (b: unknown) => (Array.isArray(b) && b.length > 0 ? listText(b.map(valueText)) : undefined);

/** The fact is present and the value a list. */
const FACT_AND_LIST: Guard = { holds: (a, b) => isPresent(a) && Array.isArray(b), refuse: () => fail('missing') };
/** The fact is a non-empty list (an empty list is absent, as everywhere) and the value present. */
const LIST_AND_VALUE: Guard = { holds: (a, b) => Array.isArray(a) && isPresent(a) && isPresent(b), refuse: () => fail('missing') };
const BOTH_PRESENT: Guard = { holds: (a, b) => isPresent(a) && isPresent(b), refuse: () => fail('missing') };

const among = (list: unknown, v: unknown) => (list as unknown[]).some((x) => sameValue(v, x));

export const BUILTINS: readonly Operator[] = [
  defineOperator({ name: 'notEqual', guard: BOTH_PRESENT, test: (a, b) => !sameValue(a, b), fix: onFact((b) => (isPresent(b) ? `≠ ${valueText(b)}` : undefined)) }),
  defineOperator({ name: 'in', guard: FACT_AND_LIST, test: (a, b) => among(b, a), fix: onFact((b) => (listed(b) === undefined ? undefined : `one of ${listed(b)}`)) }),
  defineOperator({ name: 'notIn', guard: FACT_AND_LIST, test: (a, b) => !among(b, a), fix: onFact((b) => (listed(b) === undefined ? undefined : `none of ${listed(b)}`)) }),
  defineOperator({
    name: 'contains',
    guard: LIST_AND_VALUE,
    test: (a, b) => (a as unknown[]).some((x) => sameValue(x, b)),
    fix: (a, b) => {
      // A present value that is no list can never hold one (LIST_FACT_OPERATORS): no fix.
      if (!isPresent(b) || (isPresent(a) && !Array.isArray(a))) return undefined;
      return { operand: 'a', to: listText([...values(a), valueText(b)]) };
    },
  }),
  defineOperator({
    name: 'doesNotContain',
    guard: LIST_AND_VALUE,
    test: (a, b) => !(a as unknown[]).some((x) => sameValue(x, b)),
    fix: onFact((b, a) => {
      if (!isPresent(b)) return undefined;
      const kept = Array.isArray(a) ? (a as unknown[]).filter((x) => !sameValue(x, b)).map(valueText) : [];
      return kept.length > 0 ? listText(kept) : `a list without ${valueText(b)}`;
    }),
  }),
  compare('lessThan', (a, b) => a < b, '<', '>'),
  compare('lessThanInclusive', (a, b) => a <= b, '≤', '≥'),
  compare('greaterThan', (a, b) => a > b, '>', '<'),
  compare('greaterThanInclusive', (a, b) => a >= b, '≥', '≤'),
];

/**
 * The built-ins whose fact must be a list (their guard refuses anything
 * else): a fix of theirs names a list, so it exists only for an attribute
 * that holds one (compatible_*, dynamic_resources); on any other the leaf can
 * never hold, and no change of value would help.
 */
export const LIST_FACT_OPERATORS: ReadonlySet<string> = new Set(['contains', 'doesNotContain']);

/** The operator a `not` turns each built-in (and `equal`) into: what a fix under `not` must satisfy. */
export const NEGATIONS: Readonly<Record<string, string>> = {
  equal: 'notEqual',
  notEqual: 'equal',
  in: 'notIn',
  notIn: 'in',
  contains: 'doesNotContain',
  doesNotContain: 'contains',
  lessThan: 'greaterThanInclusive',
  lessThanInclusive: 'greaterThan',
  greaterThan: 'lessThanInclusive',
  greaterThanInclusive: 'lessThan',
};

