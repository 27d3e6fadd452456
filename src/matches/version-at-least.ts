// `version-at-least` (DESIGN §10): both hosts' values are versions at least
// the check's own `value` — platform minima such as libvirt ≥ 8.6.0, QEMU ≥
// 8.1.0, kernel ≥ 5.18. A version is dotted numbers, optionally followed by
// a suffix after `-`, `+`, `~`, `_` or a space (`6.8.0-45-generic`,
// `8.2.2+ds-0ubuntu1`): the numbers are compared, missing components are 0.
// A value that does not start with a version, on either side, fails closed.
// Its remedy: the host below the minimum at least at it (`≥ 8.6.0`); both
// hosts, when neither is.

import { leaf, targetOperands } from './conditions.js';
import { makeFix, valueText } from './fix.js';
import { defineOperator, type Guard, type Match } from './operator.js';
import { fail, isPresent, pass, show } from './values.js';

/** The leading dotted numbers of a version text; undefined when it does not start with one. */
export function dottedVersion(v: unknown): number[] | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d{1,9}(?:\.\d{1,9}){0,7})(?:[-+~_ ].*)?\s*$/s.exec(v);
  return m ? m[1]!.split('.').map(Number) : undefined;
}

/** -1, 0 or 1 as dotted version `a` is older than, equal to or newer than `b` (missing components are 0). */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

const VERSION_PRESENT: Guard = { holds: (a) => isPresent(a), refuse: () => fail('missing') };

/** One host's value against the minimum: the fact is a version at least `minimum`. */
export const versionAtLeastOperator = defineOperator({
  name: 'version-at-least',
  guard: VERSION_PRESENT,
  test: (value, minimum) => {
    const v = dottedVersion(value);
    const m = dottedVersion(minimum);
    return v !== undefined && m !== undefined && compareVersions(v, m) >= 0;
  },
  verdict: (value, minimum) => {
    const v = dottedVersion(value);
    const m = dottedVersion(minimum);
    if (!m) return fail(`the check's value ${show(minimum)} is not a version`);
    if (!v) return fail(`${show(value)} is not a version`);
    return compareVersions(v, m) >= 0 ? pass(`${show(value)} ≥ ${show(minimum)}`) : fail(`${show(value)} is older than ${show(minimum)}`);
  },
  // The minimum is the check's own value: only the host's fact can change.
  fix: (_value, minimum) => (dottedVersion(minimum) ? { operand: 'a', to: `≥ ${valueText(minimum).trim()}` } : undefined),
});

const sideVerdict = (side: string, value: unknown, minimum: unknown) => {
  if (!isPresent(value)) return fail(`missing on the ${side}`);
  const v = versionAtLeastOperator.verdict!(value, minimum);
  return v.ok ? v : fail(`${side} ${v.reason}`);
};

export const versionAtLeast: Match = {
  name: 'version-at-least',
  targets: ['attribute'],
  targetHint: '`version-at-least` compares one `attribute` with the check\'s `value`',
  operators: [versionAtLeastOperator],
  whenOperator: 'version-at-least',
  value: { check: (v) => dottedVersion(v) !== undefined, hint: 'give the minimum version in `value`, like `value: 8.6.0`' },
  skippable: () => true,
  operands: (check) => targetOperands(check.target, check.scope),
  compile: (check, ops) => ({ all: [leaf(ops.source, 'version-at-least', check.value ?? null), leaf(ops.destination, 'version-at-least', check.value ?? null)] }),
  explain: (check, v) => {
    const s = sideVerdict('source', v.source, check.value);
    const d = sideVerdict('destination', v.destination, check.value);
    const message = !s.ok ? s.reason : !d.ok ? d.reason : `both at least ${show(check.value)} (source ${show(v.source)}, destination ${show(v.destination)})`;
    return { message, source: v.source, destination: v.destination };
  },
  fix: (check, v) => {
    const t = check.target;
    if (t.kind !== 'attribute' || !dottedVersion(check.value)) return [];
    const to = `≥ ${check.value!.trim()}`;
    return (['source', 'destination'] as const).flatMap((side) => (versionAtLeastOperator.test(v[side], check.value) ? [] : [makeFix(t.name, check.scope, side, v[side], to)]));
  },
};
