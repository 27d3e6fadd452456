// `superset`: every source value is among the destination's values
// (compatible_* in superset mode; also what `sync` asks of the destination
// type's dynamic_resources).

import { BOTH_PRESENT, defineOperator } from './operator.js';
import { valueMatch } from './value-match.js';
import { fail, listIncludes, pass, text, values } from './values.js';

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
});

export const superset = valueMatch('superset', supersetOperator);
