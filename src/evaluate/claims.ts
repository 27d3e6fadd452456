// The claim plan of a placed candidate: what its passing checks carry to the
// destination device (the values of matches that carry claims: `sync`),
// merged in check order.

import { matchOf } from '../matches/index.js';
import { isWhenCheck } from '../types.js';
import { explainCheck } from './explain.js';
import type { CandidateRun } from './run.js';

export function claimsOf(run: CandidateRun): Record<string, string | string[]> {
  const pe = run.source.engine;
  const claims: Record<string, string | string[]> = {};
  for (const o of run.outcomes) {
    const check = pe.checks.get(o.name)!;
    if (!o.result || isWhenCheck(check) || !matchOf(check).carriesClaims) continue;
    Object.assign(claims, explainCheck(check, o, run.facts).claims ?? {});
  }
  return claims;
}
