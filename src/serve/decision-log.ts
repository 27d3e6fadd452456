// The decision log (DESIGN §11, issue 14 item 4): one NDJSON line per
// decision the service made (its id, time, the policy and digest it was made
// with, mode, source, the destinations asked, the verdict, errors), to a file
// (appended) or stdout. What a line holds is decided here (entryOf), where it
// goes by the sink; closing flushes what is buffered. Never read back.

import { createWriteStream, type WriteStream } from 'node:fs';
import { newDecisionId, now } from '../trace.js';
import type { Decision } from '../types.js';

export interface DecisionLogEntry {
  kind: 'DecisionLog';
  /** The Decision's id; for a refused request, an id of its own. */
  id: string;
  time: string;
  /** The policy set that decided (absent when none was loaded). */
  policy?: { name: string; version: string; digest: string; overlays: { name: string; version: string }[] };
  mode?: string;
  source?: { host: string; devices: string[] };
  /** The destinations the request asked about, by host name, in its order (inline ones first, then those named). */
  destinations: string[];
  /** `error`: the request was refused (its HTTP status in `status`), or some destination could not be decided. */
  verdict: 'compatible' | 'incompatible' | 'error';
  compatible: boolean;
  /** The destinations that can take every source device. */
  compatibleDestinations: string[];
  /** The loaded set's generation that decided it (1 for the first load, +1 per successful reload; 0: none loaded). */
  generation: number;
  /** The HTTP status of a refused request. */
  status?: number;
  errors: { code: string; message: string }[];
}

export interface DecisionLog {
  write(entry: DecisionLogEntry): void;
  /** Flush what is buffered and stop (a file is closed; stdout is only drained). */
  close(): Promise<void>;
}

/** The log line of a decision. */
export function entryOf(decision: Decision, asked: readonly string[], generation: number): DecisionLogEntry {
  const compatible = decision.destinations.filter((d) => d.compatible && d.isSource !== true).map((d) => d.host);
  return {
    kind: 'DecisionLog',
    id: decision.id,
    time: decision.time,
    policy: { name: decision.policy.name, version: decision.policy.version, digest: decision.policy.digest, overlays: decision.policy.overlays },
    mode: decision.mode,
    source: { host: decision.source.host, devices: decision.source.devices.map((d) => d.uuid) },
    destinations: [...asked],
    verdict: decision.errors.length > 0 ? 'error' : decision.compatible ? 'compatible' : 'incompatible',
    compatible: decision.compatible,
    compatibleDestinations: compatible,
    generation,
    errors: decision.errors,
  };
}

/** The log line of a request refused before any decision (DESIGN §11: one line per request), with its status and errors. */
export function refusedEntry(status: number, errors: { code: string; message: string }[], set: { policy: { name: string; version: string; digest: string }; mode: string; generation: number } | undefined): DecisionLogEntry {
  return {
    kind: 'DecisionLog',
    id: newDecisionId(),
    time: now(),
    ...(set ? { policy: { ...set.policy, overlays: [] }, mode: set.mode } : {}),
    destinations: [],
    verdict: 'error',
    compatible: false,
    compatibleDestinations: [],
    generation: set?.generation ?? 0,
    status,
    errors,
  };
}

/** A log writing to a stream; `owned` streams are ended on close. */
export function decisionLogTo(stream: NodeJS.WritableStream, owned: boolean): DecisionLog {
  let closed: Promise<void> | undefined;
  return {
    write(entry) {
      if (closed) return;
      stream.write(`${JSON.stringify(entry)}\n`);
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        if (owned) {
          stream.once('error', () => resolve());
          stream.end(() => resolve());
        } else {
          // stdout is not ours to end: an empty write's callback runs once everything before it is flushed.
          stream.write('', () => resolve());
        }
      });
      return closed;
    },
  };
}

/** `--decision-log FILE|-`: append to FILE (created if absent), or `-` for stdout. Resolves once a file is open (an unwritable path rejects). */
export async function openDecisionLog(target: string): Promise<DecisionLog> {
  if (target === '-') return decisionLogTo(process.stdout, false);
  const stream: WriteStream = createWriteStream(target, { flags: 'a' });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  return decisionLogTo(stream, true);
}
