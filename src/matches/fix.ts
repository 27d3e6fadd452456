// Remedies as data (issue 17): what the match modules' fixes share — how an
// operand fix (which of the two compared values must change, and to what)
// becomes the fixes of a check on a named attribute (one per host that must
// change), which of a check's fixes its result shows, how a value is written
// as a fix's `to`, and the remedy when a value is absent. What would satisfy an
// operator is the operator's own business (its module); this module never
// decides that.

import type { Fix } from '../types.js';
import type { OperandFix } from './operator.js';
import { isPresent, text } from './values.js';

/** Appended to a fix's `to` when both hosts must change (`side` is then `source`). */
export const ON_BOTH_SIDES = ' on both sides';

/** A value as a fix's `to` names it: a list's values joined by ", ", anything else as text. */
export function valueText(v: unknown): string {
  return Array.isArray(v) ? v.map(text).join(', ') : text(v);
}

/** A list as a fix's `to` names it. */
export function listText(xs: readonly string[]): string {
  return xs.join(', ');
}

/** `a` with the values of `b` it lacks appended (a list's order kept). */
export function union(a: readonly string[], b: readonly string[]): string[] {
  const out = [...a];
  for (const x of b) if (!out.includes(x)) out.push(x);
  return out;
}

/**
 * The remedy when a value is missing (call it only then): both missing →
 * both present; one missing → it takes `copy(other)`, the value that would
 * satisfy the operator given the other side (undefined: nothing definite).
 */
export function missingFix(a: unknown, b: unknown, copy: (other: unknown) => string | undefined): OperandFix | undefined {
  const s = isPresent(a);
  if (!s && !isPresent(b)) return { operand: 'both', to: 'present' };
  const to = copy(s ? a : b);
  return to === undefined ? undefined : { operand: s ? 'b' : 'a', to };
}

/** The same values on the other side: the remedy of the operators that compare for identity. */
export const copyValue = (v: unknown): string => valueText(v);

/** A Fix, in its documented key order; `from` only when there is a value. */
export function makeFix(attribute: string, scope: Fix['scope'], side: Fix['side'], from: unknown, to: string): Fix {
  return isPresent(from) ? { attribute, scope, side, from, to } : { attribute, scope, side, to };
}

/** An operand fix as the fixes of a check on `attribute`: `a` is the source's value, `b` the destination's; `both`, one on each. */
export function checkFixes(attribute: string, scope: Fix['scope'], f: OperandFix, source: unknown, destination: unknown): Fix[] {
  const onSource = makeFix(attribute, scope, 'source', source, f.to);
  const onDestination = makeFix(attribute, scope, 'destination', destination, f.to);
  return f.operand === 'a' ? [onSource] : f.operand === 'b' ? [onDestination] : [onSource, onDestination];
}

/** The remedy of a check whose attribute is absent on both hosts: present on both. */
export function presentOnBoth(attribute: string, scope: Fix['scope']): Fix[] {
  return checkFixes(attribute, scope, { operand: 'both', to: 'present' }, undefined, undefined);
}

/**
 * The one fix a check result shows, of the changes that together would make
 * it pass: the change, when there is one — the same change on both hosts is
 * one, shown on the source as "… on both sides". Several different changes
 * (a family with several failing members, a `when` with several failing
 * leaves, a sync check lacking both a listing and a value) are no one fix
 * that would make the check pass: none is shown, and the destination's
 * `fixes` lists them all.
 */
export function shownFix(fixes: readonly Fix[]): Fix | undefined {
  if (fixes.length === 1) return fixes[0];
  const [first, second] = fixes;
  if (fixes.length === 2 && first!.side !== second!.side && first!.attribute === second!.attribute && first!.scope === second!.scope && first!.to === second!.to) {
    const source = first!.side === 'source' ? first! : second!;
    return { ...source, to: `${source.to}${ON_BOTH_SIDES}` };
  }
  return undefined;
}

/**
 * A value that meets a fix's `to`, for trying a set of fixes out on copies
 * of the hosts: the value it names, the lowest of a range (`≥ 1.2.0 <2.0.0`:
 * `1.2.0`), the bound of an inclusive comparison, the next number past a
 * strict one, the first of `one of …`, a stand-in for `present` (and for a
 * version in words); undefined when no one value can be chosen (`≠ v`,
 * `none of …`, `a list without …`): a set holding such a fix is not tried.
 */
export function fixValue(to: string): string | undefined {
  let t = to.endsWith(ON_BOTH_SIDES) ? to.slice(0, -ON_BOTH_SIDES.length) : to;
  if (t.startsWith('present, ')) t = t.slice('present, '.length);
  if (t === 'present' || t === 'a major.minor[.bugfix] version' || t === 'the same dotted numeric version') return '1.0.0';
  let m = /^(?:≥|≤) (\S+)(?: <\S+)?$/.exec(t);
  if (m) return m[1];
  m = /^(<|>) (-?\d+(?:\.\d+)?)$/.exec(t);
  if (m) return String(Number(m[2]) + (m[1] === '<' ? -1 : 1));
  m = /^one of ([^,]+)/.exec(t);
  if (m) return m[1]!.trim();
  if (/^(≠ |none of |a list without )/.test(t)) return undefined;
  return t;
}
