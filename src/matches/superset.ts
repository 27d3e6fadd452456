// `superset`: every source value is among the destination's values
// (compatible_* in superset mode; also what `sync` asks of the destination
// type's dynamic_resources). Its remedy: the destination lists the source's
// values too (its own kept); or the source lists only what the destination does.

import { copyValue, listText, missingFix, union } from './fix.js';
import { BOTH_PRESENT, defineOperator } from './operator.js';
import { valueMatch } from './value-match.js';
import { bothPresent, fail, listIncludes, pass, text, values } from './values.js';

export const supersetOperator = defineOperator({
  name: 'superset',
  guard: BOTH_PRESENT,
  test: (a, b) => {
    for (const v of Array.isArray(a) ? a : values(a)) if (!listIncludes(b, text(v))) return false;
    return true;
  },
  verdict: (src, dst) => {
    const d = new Set(values(dst));
    const lacking = values(src).filter((v) => !d.has(v));
    return lacking.length === 0 ? pass('destination lists every source value') : fail(`destination lacks ${lacking.map((v) => `\`${v}\``).join(', ')}`);
  },
  fix: (src, dst, prefer) => {
    if (!bothPresent(src, dst)) return missingFix(src, dst, copyValue);
    if (prefer === 'b') return { operand: 'b', to: listText(union(values(dst), values(src))) };
    const d = values(dst);
    const kept = values(src).filter((v) => d.includes(v));
    return { operand: 'a', to: listText(kept.length > 0 ? kept : d) };
  },
});

export const superset = valueMatch('superset', supersetOperator);
