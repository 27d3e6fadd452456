// The decision service's contract between its parts (DESIGN §11): the store
// of loaded policy sets and inventory, which reloads off to the side and
// swaps atomically, and the HTTP app, which reads one loaded set per request.

import type { Diagnostic, Result } from '../errors.js';
import type { LoadLimits } from '../load.js';
import type { OverlaySource, PolicySet, PolicySource } from '../resolve.js';
import type { Host } from '../types.js';

/** What the service was started with: the same policy choice as `eval`, an optional inventory, the limits. */
export interface StoreOptions {
  /** A policy file; default: the shipped base plus every shipped vendor overlay. */
  policy?: string;
  /** Overlay files added after the default ones (or after nothing, with `policy`). */
  overlays?: readonly string[];
  /** The mode of requests that name none (default: the policy's default mode). */
  mode?: string;
  /** NDJSON (or YAML/JSON, directories) inventories: destinations a request may name by host name. */
  inventory?: readonly string[];
  limits: LoadLimits;
  /** Watch the files and reload on change (default true). */
  watch?: boolean;
  /** Changes within this many ms are taken as one (default 200). */
  debounceMs?: number;
}

/**
 * One loaded, valid set: immutable once made. A request takes the store's
 * current set once and uses only it, so a reload never shows it half a set.
 */
export interface LoadedSet {
  /** The base policy and overlays as loaded and checked (the sources of every mode's set). */
  base: PolicySource;
  overlays: readonly OverlaySource[];
  /** The set for a mode (default: the store's mode); resolved once per mode, errors (`unknown-mode`) as data. */
  policyFor(mode?: string): Result<PolicySet>;
  /** The digest of the set in the default mode (PolicySet.digest). */
  digest: string;
  /** The default mode. */
  mode: string;
  /** Inventory hosts by name (as written); `findHost` also matches letter case and surrounding blanks. */
  inventory: ReadonlyMap<string, Host>;
  findHost(name: string): Host | undefined;
  /** Every file read for this set (policy, overlays, inventory), for watching. */
  files: readonly string[];
  /** When it was loaded (ISO 8601 UTC), and its sequence number (1 for the first load, +1 per successful reload). */
  loadedAt: string;
  generation: number;
}

/** The outcome of a load or reload attempt. */
export interface ReloadOutcome {
  ok: boolean;
  at: string;
  /** The errors that kept the new set from replacing the old one (coded, file:line:col), and warnings of the set loaded. */
  errors: Diagnostic[];
  warnings: Diagnostic[];
  /** The generation serving after the attempt. */
  generation: number;
}

export interface Store {
  /** The set requests use now; undefined until a first load succeeded (then `/ready` answers 503). */
  current(): LoadedSet | undefined;
  /** The last load or reload attempt (successful or not). */
  lastOutcome(): ReloadOutcome | undefined;
  /** Load everything again off to the side; swap only when the whole new set is valid. Concurrent calls share one attempt. */
  reload(): Promise<ReloadOutcome>;
  /** Called after every attempt (for logs and metrics). */
  onReload(listener: (outcome: ReloadOutcome) => void): void;
  /** Stop watching. */
  close(): Promise<void>;
}
