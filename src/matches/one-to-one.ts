// `one-to-one`: the proposal's 1:1 mode for compatible_* values — the first
// value of each side is compared (a tool may read only one value).

import { BOTH_PRESENT, defineOperator } from './operator.js';
import { valueMatch } from './value-match.js';
import { fail, firstValue, pass, values } from './values.js';

export const oneToOneOperator = defineOperator({
  name: 'one-to-one',
  guard: BOTH_PRESENT,
  test: (a, b) => firstValue(a) === firstValue(b),
  verdict: (src, dst) => {
    const s = values(src);
    const d = values(dst);
    const extra = s.length > 1 || d.length > 1 ? '; only the first value is compared (1:1 mode)' : '';
    return s[0] === d[0] ? pass(`first values match (\`${s[0]}\`)${extra}`) : fail(`source \`${s[0]}\` differs from destination \`${d[0]}\`${extra}`);
  },
});

export const oneToOne = valueMatch('one-to-one', oneToOneOperator);
