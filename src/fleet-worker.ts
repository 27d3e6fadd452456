// A worker thread of `eval --jobs N`: decides pieces of an NDJSON inventory
// with the fleet path, exactly as the main thread would (the same source
// devices, rebuilt from plain data, and the same options), and sends back
// each piece's output text and tally. The main thread reads, orders and
// writes.

import { parentPort, workerData } from 'node:worker_threads';
import { FleetDecider, type FleetTally } from './evaluate/fleet.js';
import { sourceDevicesWith } from './evaluate/sources.js';
import type { PiecePart, PieceRequest, PieceResult, WorkerSetup } from './stream.js';

const encoder = new TextEncoder();
const setup = workerData as WorkerSetup;
const decider = new FleetDecider({ ...setup.options, sources: sourceDevicesWith(setup.source, setup.selected) });

parentPort!.on('message', (m: PieceRequest) => {
  const tally: FleetTally = { destinations: 0, compatible: 0, errors: [], warnings: [] };
  const bytes = Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength);
  // The output goes back as bytes in a buffer of its own, moved to the main thread: a string would be copied
  // into its heap (a megabyte a piece, freed only by a full collection there) before being encoded to be written.
  // A piece whose output grows large goes in parts, so that this heap never holds more than about one part of it.
  const send = (part: string) => {
    const b = encoder.encode(part);
    parentPort!.postMessage({ seq: m.seq, part: b } satisfies PiecePart, [b.buffer]);
  };
  const text = encoder.encode(decider.piece({ bytes, firstLine: m.firstLine }, m.file, tally, send));
  parentPort!.postMessage({ seq: m.seq, text, tally } satisfies PieceResult, [text.buffer]);
});
