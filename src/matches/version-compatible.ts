// `version-compatible`: both values parse as major.minor[.bugfix]
// (non-negative integers); same major, destination minor ≥ source minor;
// bugfix ignored (DESIGN §2.1). Anything that does not parse fails. Its
// remedy is a range: the destination within the source's major, from the
// source's minor (`≥ 1.2.0 <2.0.0`); or the source within the destination's
// major, up to the destination's minor (`≥ 1.0.0 <1.4.0`).

import { BOTH_PRESENT, defineOperator, type OperandFix } from './operator.js';
import { valueMatch } from './value-match.js';
import { fail, isPresent, pass, show } from './values.js';

export interface Version {
  major: number;
  minor: number;
  bugfix: number;
}

export function parseVersion(v: unknown): Version | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d{1,9})\.(\d{1,9})(?:\.(\d{1,9}))?\s*$/.exec(v);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), bugfix: Number(m[3] ?? 0) };
}

// Parsed versions by text: a fleet repeats a handful of driver versions.
const versions = new Map<string, Version | null>();
function cachedVersion(v: unknown): Version | undefined {
  if (typeof v !== 'string') return undefined;
  let got = versions.get(v);
  if (got === undefined) {
    got = parseVersion(v) ?? null;
    if (versions.size > 4096) versions.clear();
    versions.set(v, got);
  }
  return got ?? undefined;
}

export const versionCompatibleOperator = defineOperator({
  name: 'version-compatible',
  guard: BOTH_PRESENT,
  test: (a, b) => {
    const s = cachedVersion(a);
    const d = cachedVersion(b);
    return s !== undefined && d !== undefined && s.major === d.major && d.minor >= s.minor;
  },
  verdict: (src, dst) => {
    const s = parseVersion(src);
    const d = parseVersion(dst);
    if (!s) return fail(`source ${show(src)} is not a major.minor[.bugfix] version`);
    if (!d) return fail(`destination ${show(dst)} is not a major.minor[.bugfix] version`);
    if (s.major !== d.major) return fail(`major versions differ (source ${s.major}, destination ${d.major})`);
    if (d.minor < s.minor) return fail(`destination minor ${d.minor} is older than source minor ${s.minor}`);
    return pass(`same major ${s.major}, destination minor ${d.minor} ≥ source minor ${s.minor}`);
  },
  fix: (src, dst, prefer) => {
    const s = parseVersion(src);
    const d = parseVersion(dst);
    if (s && (!d || prefer === 'b')) return destinationRange(s);
    if (d) return { operand: 'a', to: `≥ ${d.major}.0.0 <${d.major}.${d.minor + 1}.0` };
    return { operand: 'both', to: isPresent(src) || isPresent(dst) ? 'a major.minor[.bugfix] version' : 'present' };
  },
});

/** The destination versions a source version moves to: the same major, its minor or newer. */
function destinationRange(s: Version): OperandFix {
  return { operand: 'b', to: `≥ ${s.major}.${s.minor}.0 <${s.major + 1}.0.0` };
}

/**
 * The operator's test with one side fixed (the specialised rules: a source
 * version parsed once for a whole fleet). The same results as
 * `versionCompatibleOperator.test(fixed, other)` (fixed is the source) or
 * `.test(other, fixed)`: a value that parses is present, one that does not fails.
 */
export function versionCompatibleWith(fixed: unknown, fixedSide: 'source' | 'destination'): (other: unknown) => boolean {
  const f = isPresent(fixed) ? cachedVersion(fixed) : undefined;
  if (f === undefined) return () => false;
  const { major, minor } = f;
  return fixedSide === 'source'
    ? (other) => {
        const d = cachedVersion(other);
        return d !== undefined && d.major === major && d.minor >= minor;
      }
    : (other) => {
        const s = cachedVersion(other);
        return s !== undefined && s.major === major && minor >= s.minor;
      };
}

export const versionCompatible = valueMatch('version-compatible', versionCompatibleOperator);
