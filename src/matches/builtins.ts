// json-rules-engine's built-in operator names, for `when` conditions, made
// fail-closed: the engine's own notEqual, notIn and doesNotContain pass on
// an undefined fact; these never pass on a missing value. (`equal` is the
// equal match's operator.)

import { defineOperator, type Guard, type Operator } from './operator.js';
import { fail, sameValue } from './values.js';

const defined = (v: unknown) => v !== undefined && v !== null;

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return Number.NaN;
}

/** Both values are numbers, or strings that read as one. */
const NUMBERS: Guard = { holds: (a, b) => !Number.isNaN(num(a)) && !Number.isNaN(num(b)), refuse: () => fail('not numbers') };
const compare = (name: string, test: (a: number, b: number) => boolean) => defineOperator({ name, guard: NUMBERS, test: (a, b) => test(num(a), num(b)) });

/** The fact is defined and the value a list. */
const FACT_AND_LIST: Guard = { holds: (a, b) => defined(a) && Array.isArray(b), refuse: () => fail('missing') };
/** The fact is a list and the value defined. */
const LIST_AND_VALUE: Guard = { holds: (a, b) => Array.isArray(a) && defined(b), refuse: () => fail('missing') };
const BOTH_DEFINED: Guard = { holds: (a, b) => defined(a) && defined(b), refuse: () => fail('missing') };

const among = (list: unknown, v: unknown) => (list as unknown[]).some((x) => sameValue(v, x));

export const BUILTINS: readonly Operator[] = [
  defineOperator({ name: 'notEqual', guard: BOTH_DEFINED, test: (a, b) => !sameValue(a, b) }),
  defineOperator({ name: 'in', guard: FACT_AND_LIST, test: (a, b) => among(b, a) }),
  defineOperator({ name: 'notIn', guard: FACT_AND_LIST, test: (a, b) => !among(b, a) }),
  defineOperator({ name: 'contains', guard: LIST_AND_VALUE, test: (a, b) => (a as unknown[]).some((x) => sameValue(x, b)) }),
  defineOperator({ name: 'doesNotContain', guard: LIST_AND_VALUE, test: (a, b) => !(a as unknown[]).some((x) => sameValue(x, b)) }),
  compare('lessThan', (a, b) => a < b),
  compare('lessThanInclusive', (a, b) => a <= b),
  compare('greaterThan', (a, b) => a > b),
  compare('greaterThanInclusive', (a, b) => a >= b),
];

