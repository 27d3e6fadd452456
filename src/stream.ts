// A streamed decision (`eval --format ndjson`): the destinations named by
// `--dest` arguments decided one by one and written as NDJSON lines as they
// are decided, memory flat whatever the fleet's size. NDJSON inventories
// (files and standard input) go the fleet path in pieces (src/evaluate/
// fleet.ts); host files and directories are loaded by the library and
// decided by the same code, so every destination's line is the same bytes
// whichever way it came.

import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { decisionHead } from './evaluate/decision.js';
import { FleetDecider, type FleetOptions, type FleetTally } from './evaluate/fleet.js';
import { hostFromDocument } from './inputs.js';
import { loadDocuments, ndjsonPieces, type LinesPiece, type LoadLimits } from './load.js';
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
  /**
   * Called with the output of each piece or host (one write per piece, or its
   * parts): text, or a worker's output as UTF-8 bytes. A promise returned
   * (the destination's buffer is full) is awaited before the next piece is
   * read: a slow reader of the output slows the run instead of filling memory.
   */
  write: (chunk: string | Uint8Array) => void | Promise<void>;
  /** Called after each piece or host, with the counts so far. */
  progress?: (counts: { destinations: number; compatible: number }) => void;
  /** Worker threads deciding NDJSON pieces (default 1: all in this thread). */
  jobs?: number;
  /** Told when a worker stops before finishing its pieces (why), which this thread then decides: nothing is lost, this only says so. */
  onWorkerFailure?: (reason: string) => void;
}

/** The default of `--jobs`: 1, unless the machine has at least 4 cores (then as many workers as a run may start). */
export function defaultJobs(): number {
  return availableParallelism() >= 4 ? MAX_WORKERS : 1;
}

/** What a worker is started with: plain data, from which it rebuilds the main thread's source devices. */
export interface WorkerSetup {
  source: Host;
  selected: { uuid: string; policy: EffectivePolicy }[];
  options: Omit<FleetOptions, 'sources'>;
}

export interface PieceRequest {
  seq: number;
  bytes: Uint8Array;
  firstLine: number;
  file: string;
}

export interface PieceResult {
  seq: number;
  /** Output written before `text` (in order): a piece whose output grows large is handed on in parts, as UTF-8 bytes. */
  parts?: Uint8Array[];
  /** The piece's output: UTF-8 bytes from a worker (moved, not copied: no string of it is ever built in this thread), text when decided here. */
  text: string | Uint8Array;
  tally: FleetTally;
}

/** Pieces in flight per worker, at most: memory stays bounded whatever the inventory's size. */
const IN_FLIGHT_PER_WORKER = 2;
/** Heap of each worker (MiB): old and young generations. A piece's hosts die line by line; a piece, its output and the memos fit many times over. */
const WORKER_HEAP_MB = 32;
const WORKER_YOUNG_MB = 4;
/**
 * The most workers a run starts, whatever --jobs asks: the peak RSS of a run
 * stays within 200 MiB (DESIGN §7) at every --jobs. Measured on the bench's
 * inventories (the output of every refused destination carrying its fixes):
 * dense 10,000 hosts 156–162 MiB in one thread, 174–192 MiB with two
 * workers; sparse 50,000 hosts 153–182 and 171–194 MiB.
 */
export const MAX_WORKERS = 2;

/** A part of a piece's output, sent by a worker before the piece's result. */
export interface PiecePart {
  seq: number;
  part: Uint8Array;
}

type Job = { piece: LinesPiece; file: string; parts: Uint8Array[]; done: (r: PieceResult) => void };

/**
 * Worker threads deciding pieces. A piece a worker cannot finish (it died,
 * ran out of its heap) is decided in this thread instead: no result is lost.
 */
class Pool {
  private readonly workers: { worker: Worker; busy: Map<number, Job>; dead: boolean }[] = [];
  private seq = 0;

  constructor(
    WorkerClass: typeof Worker,
    jobs: number,
    setup: WorkerSetup,
    private readonly local: FleetDecider,
    onFailure?: (reason: string) => void,
  ) {
    for (let i = 0; i < jobs; i++) {
      const worker = new WorkerClass(new URL('./fleet-worker.js', import.meta.url), { workerData: setup, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: WORKER_YOUNG_MB } });
      const slot = { worker, busy: new Map<number, Job>(), dead: false };
      worker.on('message', (r: PieceResult | PiecePart) => {
        const job = slot.busy.get(r.seq);
        if ('part' in r) {
          job?.parts.push(r.part);
          return;
        }
        slot.busy.delete(r.seq);
        job?.done({ ...r, parts: job.parts });
      });
      const fail = (why: unknown) => {
        if (slot.dead) return;
        slot.dead = true;
        onFailure?.(why instanceof Error ? why.message : `exit code ${String(why)}`);
        for (const [seq, job] of slot.busy) job.done(this.decideHere(seq, job.piece, job.file));
        slot.busy.clear();
      };
      worker.on('error', fail);
      worker.on('exit', fail);
      this.workers.push(slot);
    }
  }

  /** A piece decided in this thread (its parts, if a worker sent any before it stopped, are dropped: this is the whole output). */
  private decideHere(seq: number, piece: LinesPiece, file: string): PieceResult {
    const tally: FleetTally = { destinations: 0, compatible: 0, errors: [], warnings: [] };
    const parts: Uint8Array[] = [];
    const text = this.local.piece(piece, file, tally, (part) => parts.push(Buffer.from(part)));
    return { seq, parts, text, tally };
  }

  submit(piece: LinesPiece, file: string): Promise<PieceResult> {
    const seq = this.seq++;
    const slot = this.workers.find((w) => !w.dead && w.busy.size === 0) ?? this.workers.find((w) => !w.dead && w.busy.size < IN_FLIGHT_PER_WORKER);
    if (!slot) return Promise.resolve(this.decideHere(seq, piece, file));
    return new Promise((done) => {
      slot.busy.set(seq, { piece, file, parts: [], done });
      slot.worker.postMessage({ seq, bytes: piece.bytes, firstLine: piece.firstLine, file } satisfies PieceRequest);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => ((w.dead = true), w.worker.terminate())));
  }
}

/** Is this `--dest` argument read as an NDJSON inventory (a file named .ndjson that is not a directory, or `-`)? */
async function isInventory(arg: string): Promise<boolean> {
  if (arg === '-') return true;
  if (!/\.ndjson$/i.test(arg)) return false;
  const info = await stat(arg).catch(() => undefined);
  return info !== undefined && !info.isDirectory();
}

/** Decide and write every destination; the Decision without destinations (its counts in `counts`), for the summary line. */
export async function streamDecision(options: StreamOptions): Promise<{ decision: Decision; counts: { destinations: number; compatible: number }; quick?: { accepted: number; doubted: number } }> {
  const { decision, devices } = decisionHead(options.policy, options.source, options.devices);
  const tally: FleetTally = { destinations: 0, compatible: 0, errors: decision.errors, warnings: [] };
  const counts = () => ({ destinations: tally.destinations, compatible: tally.compatible });
  if (decision.errors.length > 0) return { decision, counts: counts() };
  const fleetOptions: Omit<FleetOptions, 'sources'> = {
    sourceName: options.source.name,
    detail: options.detail,
    prune: options.prune,
    failOnSkip: options.failOnSkip,
    onlyCompatible: options.onlyCompatible,
    limits: options.limits,
  };
  const decider = new FleetDecider({ ...fleetOptions, sources: devices });
  // The last write's promise of draining, awaited once per piece (a piece's parts are written while it is decided).
  let pending: Promise<void> | undefined;
  const write = (chunk: string | Uint8Array) => {
    const p = options.write(chunk);
    if (p) pending = p;
  };
  const drained = async () => {
    while (pending) {
      const p = pending;
      pending = undefined;
      await p;
    }
  };
  const emit = (text: string | Uint8Array) => {
    if (text.length > 0) write(text);
    options.progress?.(counts());
  };
  const merge = (r: PieceResult) => {
    tally.destinations += r.tally.destinations;
    tally.compatible += r.tally.compatible;
    tally.errors.push(...r.tally.errors);
    tally.warnings.push(...r.tally.warnings);
    for (const part of r.parts ?? []) write(part);
    emit(r.text);
  };
  const jobs = Math.min(MAX_WORKERS, Math.max(1, Math.floor(options.jobs ?? 1)));
  // worker_threads is loaded only when workers are asked for (a require: the bundled CLI runs this module as a script, without dynamic import).
  const pool = jobs > 1 ? new Pool((createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads')).Worker, jobs, { source: options.source, selected: devices.map((d) => ({ uuid: d.device.uuid, policy: d.engine.policy })), options: fleetOptions }, decider, options.onWorkerFailure) : undefined;
  // Results in input order: pieces in flight are awaited first-in, first-out, so the output is the bytes of one thread.
  const queue: Promise<PieceResult>[] = [];
  const drain = async (keep: number) => {
    while (queue.length > keep) {
      merge(await queue.shift()!);
      await drained();
    }
  };
  try {
    for (const arg of options.destinations) {
      if (await isInventory(arg)) {
        const file = arg === '-' ? '<stdin>' : arg;
        for await (const piece of ndjsonPieces(file, options.limits, arg === '-' ? process.stdin : undefined)) {
          if ('errors' in piece) tally.errors.push(...piece.errors);
          else if (pool) {
            queue.push(pool.submit(piece, file));
            // Two pieces per worker in flight at most: reading waits for the oldest.
            while (queue.length >= jobs * IN_FLIGHT_PER_WORKER) {
              merge(await queue.shift()!);
              await drained();
            }
          } else emit(decider.piece(piece, file, tally, emit));
          await drained();
        }
        continue;
      }
      await drain(0);
      for await (const entry of loadDocuments(arg, options.limits)) {
        if (!entry.ok) tally.errors.push(...entry.errors);
        else emit(decider.hostResult(hostFromDocument(entry.value), tally));
        await drained();
      }
    }
    await drain(0);
  } finally {
    await pool?.close();
  }
  decision.compatible = tally.compatible > 0;
  if (tally.warnings.length > 0) decision.warnings = tally.warnings;
  // How many NDJSON lines this thread's quick Host check accepted, and left to the schema validator (tests read it).
  return { decision, counts: counts(), quick: decider.quickCheckCounts };
}
