// `version-equal` (DESIGN §10): both values are dotted numeric versions and
// numerically equal — `1.0` = `1.0.0`, `550.90.05` = `550.90.5` — as a
// driver or vGPU manager version that must be identical on both hosts. A
// value with any other text (a suffix, letters) is not such a version and
// fails closed: equality of builds is not guessed. Its remedy: the other
// side's version.

import { copyValue } from './fix.js';
import { BOTH_PRESENT, defineOperator } from './operator.js';
import { valueMatch } from './value-match.js';
import { compareVersions } from './version-at-least.js';
import { fail, isPresent, pass, show } from './values.js';

/** The numbers of a purely dotted numeric version; undefined for anything else. */
export function numericVersion(v: unknown): number[] | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d{1,9}(?:\.\d{1,9}){0,7})\s*$/.exec(v);
  return m ? m[1]!.split('.').map(Number) : undefined;
}

export const versionEqualOperator = defineOperator({
  name: 'version-equal',
  guard: BOTH_PRESENT,
  test: (a, b) => {
    const x = numericVersion(a);
    const y = numericVersion(b);
    return x !== undefined && y !== undefined && compareVersions(x, y) === 0;
  },
  verdict: (src, dst) => {
    const x = numericVersion(src);
    const y = numericVersion(dst);
    if (!x) return fail(`source ${show(src)} is not a dotted numeric version`);
    if (!y) return fail(`destination ${show(dst)} is not a dotted numeric version`);
    return compareVersions(x, y) === 0 ? pass(`the same version (${show(src)}, ${show(dst)})`) : fail(`source ${show(src)} differs from destination ${show(dst)}`);
  },
  fix: (src, dst, prefer) => {
    const x = numericVersion(src);
    const y = numericVersion(dst);
    if (x && (!y || prefer === 'b')) return { operand: 'b', to: copyValue(src).trim() };
    if (y) return { operand: 'a', to: copyValue(dst).trim() };
    return { operand: 'both', to: isPresent(src) || isPresent(dst) ? 'the same dotted numeric version' : 'present' };
  },
});

export const versionEqual = valueMatch('version-equal', versionEqualOperator);
