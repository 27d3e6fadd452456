// `one-to-one`: the proposal's 1:1 mode for compatible_* values. A tool may
// read only one value, so the first value of each side must be identical;
// and since the governing rule is "destination values are a superset of the
// source's", every source value must be among the destination's too, so
// strict mode is never weaker than superset mode. An extra destination value
// is noted, never a failure. Its remedy: the destination lists the source's
// values, in the source's order, then its own others (noted, never failed);
// or the source takes the destination's list.

import { copyValue, listText, missingFix, union } from './fix.js';
import { BOTH_PRESENT, defineOperator } from './operator.js';
import { supersetOperator } from './superset.js';
import { valueMatch } from './value-match.js';
import { bothPresent, fail, firstValue, pass, values } from './values.js';

const quoted = (xs: string[]) => xs.map((x) => `\`${x}\``).join(', ');

export const oneToOneOperator = defineOperator({
  name: 'one-to-one',
  guard: BOTH_PRESENT,
  test: (a, b) => firstValue(a) === firstValue(b) && supersetOperator.test(a, b),
  verdict: (src, dst) => {
    const s = values(src);
    const d = values(dst);
    if (s[0] !== d[0]) return fail(`first values differ (source \`${s[0]}\`, destination \`${d[0]}\`; 1:1 mode compares the first values)`);
    const listed = new Set(d);
    const lacking = s.filter((v) => !listed.has(v));
    if (lacking.length > 0) return fail(`first values match (\`${s[0]}\`), but the destination lacks ${quoted(lacking)}`);
    const own = new Set(s);
    const extra = d.filter((v) => !own.has(v));
    const note = s.length > 1 ? '; every source value is listed' : '';
    const remark = extra.length > 0 ? `the destination also lists ${quoted(extra)} (noted)` : undefined;
    return pass(`first values match (\`${s[0]}\`, 1:1 mode)${note}${remark ? `; ${remark}` : ''}`, remark);
  },
  fix: (src, dst, prefer) => {
    if (!bothPresent(src, dst)) return missingFix(src, dst, copyValue);
    return prefer === 'b' ? { operand: 'b', to: listText(union(values(src), values(dst))) } : { operand: 'a', to: copyValue(values(dst)) };
  },
});

export const oneToOne = valueMatch('one-to-one', oneToOneOperator);
