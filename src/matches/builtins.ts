// json-rules-engine's built-in operator names, for `when` conditions, made
// fail-closed: the engine's own notEqual, notIn and doesNotContain pass on
// an undefined fact; these never pass on a missing value, and a value that
// is empty or whitespace-only is missing here as everywhere. (`equal` is the
// equal match's operator.)

import { defineOperator, type Guard, type Operator } from './operator.js';
import { fail, isPresent, sameValue } from './values.js';


function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return Number.NaN;
}

/** Both values are numbers, or strings that read as one. */
const NUMBERS: Guard = { holds: (a, b) => !Number.isNaN(num(a)) && !Number.isNaN(num(b)), refuse: () => fail('not numbers') };
const compare = (name: string, test: (a: number, b: number) => boolean) => defineOperator({ name, guard: NUMBERS, test: (a, b) => test(num(a), num(b)) });

/** The fact is present and the value a list. */
const FACT_AND_LIST: Guard = { holds: (a, b) => isPresent(a) && Array.isArray(b), refuse: () => fail('missing') };
/** The fact is a non-empty list (an empty list is absent, as everywhere) and the value present. */
const LIST_AND_VALUE: Guard = { holds: (a, b) => Array.isArray(a) && isPresent(a) && isPresent(b), refuse: () => fail('missing') };
const BOTH_PRESENT: Guard = { holds: (a, b) => isPresent(a) && isPresent(b), refuse: () => fail('missing') };

const among = (list: unknown, v: unknown) => (list as unknown[]).some((x) => sameValue(v, x));

export const BUILTINS: readonly Operator[] = [
  defineOperator({ name: 'notEqual', guard: BOTH_PRESENT, test: (a, b) => !sameValue(a, b) }),
  defineOperator({ name: 'in', guard: FACT_AND_LIST, test: (a, b) => among(b, a) }),
  defineOperator({ name: 'notIn', guard: FACT_AND_LIST, test: (a, b) => !among(b, a) }),
  defineOperator({ name: 'contains', guard: LIST_AND_VALUE, test: (a, b) => (a as unknown[]).some((x) => sameValue(x, b)) }),
  defineOperator({ name: 'doesNotContain', guard: LIST_AND_VALUE, test: (a, b) => !(a as unknown[]).some((x) => sameValue(x, b)) }),
  compare('lessThan', (a, b) => a < b),
  compare('lessThanInclusive', (a, b) => a <= b),
  compare('greaterThan', (a, b) => a > b),
  compare('greaterThanInclusive', (a, b) => a >= b),
];

