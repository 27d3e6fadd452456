// Reading a fleet for the matrix: the inventory arguments of `eval --dest`
// (files, directories, .ndjson inventories, `-` for NDJSON on standard input),
// each host handed to the class index (src/matrix/classes.ts), each bad input
// kept as its diagnostics while the rest is read on. NDJSON goes the way the
// fleet path reads it (src/evaluate/fleet.ts): pieces of whole lines,
// JSON.parse, the hand-written Host check; a line it accepts is keyed from
// its raw values and normalised only when it founds a class; a line it
// doubts goes through the library (parse, schema, normalise) for the exact
// diagnostics. Other files are loaded by the library.

import { stat } from 'node:fs/promises';
import { isError, type Diagnostic } from '../errors.js';
import { quickHostLine } from '../host-check.js';
import { hostFromDocument } from '../inputs.js';
import { forEachLine, loadDocuments, ndjsonPieces, parseJsonLine, STDIN_NAME, type LinesPiece, type LoadLimits } from '../load.js';
import { normalizeHost } from '../normalize.js';
import type { ClassIndex } from './classes.js';

export interface FleetRead {
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/** Is this argument read as an NDJSON inventory (a file named .ndjson that is not a directory, or `-`)? As `eval` decides (src/stream.ts). */
async function isInventory(arg: string): Promise<boolean> {
  if (arg === '-') return true;
  if (!/\.ndjson$/i.test(arg)) return false;
  const info = await stat(arg).catch(() => undefined);
  return info !== undefined && !info.isDirectory();
}

/** Every host of the arguments, into the index; the diagnostics of what could not be read. */
export async function readFleet(args: readonly string[], limits: LoadLimits, index: ClassIndex, progress?: () => void): Promise<FleetRead> {
  const read: FleetRead = { errors: [], warnings: [] };
  for (const arg of args) {
    if (await isInventory(arg)) {
      const file = arg === '-' ? STDIN_NAME : arg;
      for await (const piece of ndjsonPieces(file, limits, arg === '-' ? process.stdin : undefined)) {
        if ('errors' in piece) read.errors.push(...piece.errors);
        else readPiece(piece, file, limits, index, read);
        progress?.();
      }
      continue;
    }
    for await (const entry of loadDocuments(arg, limits)) {
      if (!entry.ok) read.errors.push(...entry.errors);
      else addLoaded(hostFromDocument(entry.value), index, read);
      progress?.();
    }
  }
  return read;
}

function addLoaded(host: ReturnType<typeof hostFromDocument>, index: ClassIndex, read: FleetRead): void {
  for (const e of host.errors) (isError(e) ? read.errors : read.warnings).push(e);
  read.warnings.push(...host.warnings);
  if (host.value) index.addHost(host.value);
}

/** The lines of one piece: the quick way when the Host check accepts a line, else the library's. */
function readPiece(piece: LinesPiece, file: string, limits: LoadLimits, index: ClassIndex, read: FleetRead): void {
  forEachLine(piece, file, (entry) => {
    if ('errors' in entry) {
      read.errors.push(...entry.errors);
      return;
    }
    const raw = entry.text;
    const doc = quickHostLine(entry, piece.bytes, limits);
    if (doc) {
      // Accepted: normalizeHost reports nothing for it, and is run only for the host that founds a class.
      index.addWritten(doc, file, () => normalizeHost(doc).value!);
      return;
    }
    const parsed = parseJsonLine(raw, file, entry.line, limits);
    if (!parsed.ok) read.errors.push(...parsed.errors);
    else addLoaded(hostFromDocument(parsed.value), index, read);
  });
}
