// A streamed decision (`eval --format ndjson`): the destinations named by
// `--dest` arguments decided one by one and written as NDJSON lines as they
// are decided, memory flat whatever the fleet's size. NDJSON inventories
// (files and standard input) go the fleet path in pieces (src/evaluate/
// fleet.ts); host files and directories are loaded by the library and
// decided by the same code, so every destination's line is the same bytes
// whichever way it came.

import { stat } from 'node:fs/promises';
import { decisionHead } from './evaluate/decision.js';
import { FleetDecider, type FleetTally } from './evaluate/fleet.js';
import { hostFromDocument } from './inputs.js';
import { loadDocuments, ndjsonPieces, type LoadLimits } from './load.js';
import type { PolicySet } from './resolve.js';
import type { Decision, EffectivePolicy, Host } from './types.js';

export interface StreamOptions {
  policy: PolicySet | EffectivePolicy;
  source: Host;
  /** Source device UUIDs (default: every device on the source host). */
  devices?: readonly string[];
  /** `--dest` arguments: files, directories, .ndjson inventories, `-` for NDJSON on standard input. */
  destinations: readonly string[];
  limits: LoadLimits;
  detail: 'all' | 'failing';
  prune: boolean;
  failOnSkip: boolean;
  onlyCompatible: boolean;
  /** Called with the output of each piece or host (one write per piece). */
  write: (text: string) => void;
  /** Called after each piece or host, with the counts so far. */
  progress?: (counts: { destinations: number; compatible: number }) => void;
}

/** Is this `--dest` argument read as an NDJSON inventory (a file named .ndjson that is not a directory, or `-`)? */
async function isInventory(arg: string): Promise<boolean> {
  if (arg === '-') return true;
  if (!/\.ndjson$/i.test(arg)) return false;
  const info = await stat(arg).catch(() => undefined);
  return info !== undefined && !info.isDirectory();
}

/** Decide and write every destination; the Decision without destinations (its counts in `counts`), for the summary line. */
export async function streamDecision(options: StreamOptions): Promise<{ decision: Decision; counts: { destinations: number; compatible: number } }> {
  const { decision, devices } = decisionHead(options.policy, options.source, options.devices);
  const tally: FleetTally = { destinations: 0, compatible: 0, errors: decision.errors, warnings: [] };
  const counts = () => ({ destinations: tally.destinations, compatible: tally.compatible });
  if (decision.errors.length > 0) return { decision, counts: counts() };
  const decider = new FleetDecider({
    sources: devices,
    sourceName: options.source.name,
    detail: options.detail,
    prune: options.prune,
    failOnSkip: options.failOnSkip,
    onlyCompatible: options.onlyCompatible,
    limits: options.limits,
  });
  const emit = (text: string) => {
    if (text !== '') options.write(text);
    options.progress?.(counts());
  };
  for (const arg of options.destinations) {
    if (await isInventory(arg)) {
      const file = arg === '-' ? '<stdin>' : arg;
      for await (const piece of ndjsonPieces(file, options.limits, arg === '-' ? process.stdin : undefined)) {
        if ('errors' in piece) tally.errors.push(...piece.errors);
        else emit(decider.piece(piece, file, tally));
      }
      continue;
    }
    for await (const entry of loadDocuments(arg, options.limits)) {
      if (!entry.ok) tally.errors.push(...entry.errors);
      else emit(decider.hostResult(hostFromDocument(entry.value), tally));
    }
  }
  decision.compatible = tally.compatible > 0;
  if (tally.warnings.length > 0) decision.warnings = tally.warnings;
  return { decision, counts: counts() };
}
