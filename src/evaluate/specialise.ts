// TEMPORARY STUB (replaced by the specialised rules of branch i13-spec).
import type { Host, HostParent, MdevType } from '../types.js';
import { runBulk } from './bulk.js';
import type { CandidateRun } from './run.js';
import type { SourceDevice } from './sources.js';
export const FAIL = 0;
export const PASS = 1;
export const SKIPPED = 2;
export interface SpecialisedRules {
  readonly text: string;
  readonly count: number;
  verdict(host: Host, parent: HostParent, type: MdevType): boolean;
  outcomes(host: Host, parent: HostParent, type: MdevType, out: Uint8Array): void;
}
export function specialise(source: SourceDevice, failOnSkip = false): SpecialisedRules {
  return {
    text: '',
    count: source.engine.compiled.rules.length,
    verdict: (h, p, t) => runBulk(source, h, p, t, failOnSkip).compatible,
    outcomes: (h, p, t, out) => {
      runBulk(source, h, p, t, failOnSkip).outcomes.forEach((o, i) => (out[i] = !o.result ? FAIL : o.absentBoth ? SKIPPED : PASS));
    },
  };
}
export function runSpecialised(source: SourceDevice, destHost: Host, parent: HostParent, type: MdevType, failOnSkip = false): CandidateRun {
  return runBulk(source, destHost, parent, type, failOnSkip);
}
