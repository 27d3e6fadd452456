// A value comparison over a family of attributes (a named list, or those
// selected by prefix): the element operator applied to every attribute of
// either side. `each:` fails when the family is empty on both sides;
// `each-present:` (a named list under `onMissing: skip`) leaves out the
// members absent on both sides first.

import type { Family } from '../facts.js';
import { defineOperator, type Binary, type Operator } from './operator.js';
import { fail, isPresent, pass, type Verdict } from './values.js';

export type FamilyMode = 'each' | 'each-present';

export function familyOperatorName(mode: FamilyMode, element: string): string {
  return `${mode}:${element}`;
}

/** What a family operator's test is made of (for pre-binding one side: src/evaluate/specialise.ts), by its test. */
const PARTS = new WeakMap<Binary, { skipAbsent: boolean; element: Binary }>();
export function familyParts(test: Binary): { skipAbsent: boolean; element: Binary } | undefined {
  return PARTS.get(test);
}

/** The members a family verdict goes through, in the order its reason lists them (sorted); `skipAbsent`: leaving out those absent on both sides. */
export function familyMembers(s: Family, d: Family, skipAbsent: boolean): string[] {
  return [...new Set([...Object.keys(s), ...Object.keys(d)])].filter((n) => !skipAbsent || isPresent(s[n]) || isPresent(d[n])).sort();
}

/** The family form of an element operator. */
export function familyOperator(mode: FamilyMode, element: Operator): Operator {
  const skipAbsent = mode === 'each-present';
  const test = element.test;
  const verdict = element.verdict;
  const op = defineOperator({
    name: familyOperatorName(mode, element.name),
    test: (src, dst) => {
      const s = (src ?? {}) as Family;
      const d = (dst ?? {}) as Family;
      let seen = 0;
      for (const n in s) {
        if (skipAbsent && !isPresent(s[n]) && !isPresent(d[n])) continue;
        seen++;
        if (!test(s[n], d[n])) return false;
      }
      for (const n in d) {
        if (Object.hasOwn(s, n)) continue;
        if (skipAbsent && !isPresent(d[n])) continue;
        seen++;
        if (!test(undefined, d[n])) return false;
      }
      return seen > 0;
    },
    ...(verdict
      ? {
          verdict: (src: unknown, dst: unknown): Verdict => {
            const s = (src ?? {}) as Family;
            const d = (dst ?? {}) as Family;
            const names = familyMembers(s, d, skipAbsent);
            if (names.length === 0) return fail('no attribute of the family on either side');
            const failures: string[] = [];
            const remarks: string[] = [];
            for (const n of names) {
              const v = verdict(s[n], d[n]);
              if (!v.ok) failures.push(`${n}: ${v.reason}`);
              else if (v.remark !== undefined) remarks.push(`${n}: ${v.remark}`);
            }
            if (failures.length > 0) return fail(failures.join('; '));
            return remarks.length === 0 ? pass(`${names.join(', ')} match`) : pass(`${names.join(', ')} match; ${remarks.join('; ')}`, remarks.join('; '));
          },
        }
      : {}),
  });
  PARTS.set(op.test, { skipAbsent, element: test });
  return op;
}
