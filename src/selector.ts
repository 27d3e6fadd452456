// Overlay selectors: which source types an overlay applies to (DESIGN §2.2).
// `types` are globs on the type id — `*` any run of characters, `?` one
// character, every other character itself — matched by a linear-time
// algorithm (greedy, backtracking only to the last `*`: at most
// glob × text steps), so no selector from a vendor file can make matching
// backtrack for hours as a regex engine would on `*a*a*a*a*…b`.

import type { MdevType, WrittenOverlay } from './types.js';

export type Selector = WrittenOverlay['spec']['selector'];

/** Whether `text` matches the glob: `*` any run (also empty), `?` exactly one character, anything else literally. */
export function globMatch(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1; // position in the glob after the last `*`
  let resume = 0; // position in the text that `*` has consumed up to
  while (t < text.length) {
    const c = glob[g];
    if (c === '*') {
      star = ++g;
      resume = t;
    } else if (g < glob.length && (c === '?' || c === text[t])) {
      g++;
      t++;
    } else if (star >= 0) {
      g = star;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (glob[g] === '*') g++;
  return g === glob.length;
}

/** The literal text a glob starts with (up to its first `*` or `?`). */
function literalPrefix(glob: string): string {
  const i = glob.search(/[*?]/);
  return i < 0 ? glob : glob.slice(0, i);
}

/** Whether an overlay's selector matches a source type (`types` and `deviceApi` must both hold when both are given; none: always). */
export function selectorMatches(selector: Selector, type: MdevType): boolean {
  if (selector?.types && !selector.types.some((g) => globMatch(g, type.id))) return false;
  return selector?.deviceApi === undefined || selector.deviceApi.includes(String(type.attributes.device_api ?? ''));
}

/** Whether two selectors may both match one source type (conservative: true when unsure). */
export function selectorsMayOverlap(a: Selector, b: Selector): boolean {
  if (a?.deviceApi && b?.deviceApi && !a.deviceApi.some((x) => b.deviceApi!.includes(x))) return false;
  if (!a?.types || !b?.types) return true;
  return a.types.some((x) =>
    b.types!.some((y) => globMatch(y, x) || globMatch(x, y) || literalPrefix(x).startsWith(literalPrefix(y)) || literalPrefix(y).startsWith(literalPrefix(x))),
  );
}
