// The decision service's store (DESIGN §11, issue 14): the policy set and the
// inventory the service answers with, loaded whole and checked off to the
// side, and published by swapping one reference only when all of it is
// valid. A request takes `current()` once and uses only that set, so a reload
// never shows it half a set; a bad edit (a syntax error, a half-written file,
// an overlay for another base, a duplicate host) keeps the old set serving
// and is reported, with its coded file:line:col errors, to `lastOutcome()`
// and the `onReload` listeners.
//
// Watching: one fs.watch per directory that holds a watched file (editors
// and config tools replace files by rename, which a watch on the file itself
// would miss), filtered by name, plus the directory arguments themselves;
// events are debounced, then `reload()` runs. See `watchPlan` for what is
// watched and its limits.

import { stat, realpath } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { diagnostic, isError, ok, quote, sortDiagnostics, type Diagnostic, type Result } from '../errors.js';
import { capDiagnostics, loadDocuments, systemMessage, type LoadLimits } from '../load.js';
import { DEFAULT_OVERLAY_DIR, DEFAULT_POLICY_FILE, defaultOverlayFiles, hostFromDocument, loadOverlay, loadPolicySource } from '../inputs.js';
import { resolvePolicySet, type OverlaySource, type PolicySet, type PolicySource } from '../resolve.js';
import type { Host } from '../types.js';
import type { LoadedSet, ReloadOutcome, Store, StoreOptions } from './types.js';

const DEFAULT_DEBOUNCE_MS = 200;
/**
 * A load during which a watched file changed again may have read it half
 * written: it is loaded again (after the debounce) rather than published, at
 * most this many times in a row; then the last valid load is published.
 */
const MAX_UNSTABLE_ROUNDS = 5;
/** Names a directory argument's watcher reacts to: what loadDocuments reads from a directory. */
const DOCUMENT_NAME = /\.(ya?ml|json|ndjson)$/i;

export async function openStore(options: StoreOptions): Promise<Store> {
  const debounceMs = Math.max(0, options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
  const listeners: ((outcome: ReloadOutcome) => void)[] = [];
  let serving: LoadedSet | undefined;
  let generation = 0;
  let last: ReloadOutcome | undefined;
  let inFlight: Promise<ReloadOutcome> | undefined;
  let closed = false;
  /** A watched file changed since the running attempt started (or since the last one ended). */
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  const watcher = options.watch === false ? undefined : new DirectoryWatchers(onChange);

  function onChange(): void {
    if (closed) return;
    dirty = true;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      // During an attempt the change is seen by its end (dirty): it loads again, or one more attempt follows.
      if (!closed && !inFlight) void reload();
    }, debounceMs);
  }

  async function attempt(): Promise<ReloadOutcome> {
    let loaded: Loaded;
    for (let round = 1; ; round++) {
      dirty = false;
      loaded = await loadAll(options, generation + 1);
      // A change while reading: what was read may be half of an edit. Load it again once it settles.
      if (!dirty || !loaded.set || closed || round >= MAX_UNSTABLE_ROUNDS) break;
      await delay(debounceMs);
    }
    if (loaded.set) {
      serving = loaded.set;
      generation = loaded.set.generation;
    }
    const outcome: ReloadOutcome = Object.freeze({
      ok: loaded.set !== undefined,
      at: new Date().toISOString(),
      errors: loaded.errors,
      warnings: loaded.warnings,
      generation,
    });
    last = outcome;
    for (const listener of listeners) {
      try {
        listener(outcome);
      } catch {
        // A listener's failure is its own: the store and the other listeners go on.
      }
    }
    // Directories replaced or links retargeted since the last arming are watched anew.
    // A directory that appeared since (say, made again after it was removed) is watched from now on; what was
    // written in it before its watcher was armed is seen by one more attempt.
    if (watcher && !closed && (await rearm(watcher))) onChange();
    return outcome;
  }

  function reload(): Promise<ReloadOutcome> {
    if (inFlight) return inFlight;
    const running = attempt().finally(() => {
      inFlight = undefined;
      // A change that arrived during the attempt and was not loaded by it: one more attempt.
      if (dirty && !closed && !timer) onChange();
    });
    inFlight = running;
    return running;
  }

  /** Whether a directory not watched before is watched now. */
  async function rearm(w: DirectoryWatchers): Promise<boolean> {
    try {
      return await w.arm(await watchPlan(options));
    } catch {
      // Only a bug gets here: the watchers armed before stay; the next change or reload tries again.
      return false;
    }
  }

  if (watcher) await rearm(watcher);
  await reload();

  return {
    current: () => serving,
    lastOutcome: () => last,
    reload,
    onReload: (listener) => {
      listeners.push(listener);
    },
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      watcher?.close();
      // An attempt under way finishes (and is reported) before close resolves; none follows it.
      await inFlight?.catch(() => undefined);
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// --- loading a whole set --------------------------------------------------------------

interface Loaded {
  set?: LoadedSet;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/** Everything, off to the side: the set it makes (with this generation), or every error that keeps it from serving. Never throws. */
async function loadAll(options: StoreOptions, generation: number): Promise<Loaded> {
  try {
    const [policy, inventory] = await Promise.all([loadPolicies(options), loadInventory(options.inventory ?? [], options.limits)]);
    const errors = sortDiagnostics([...policy.errors, ...inventory.errors]);
    const warnings = sortDiagnostics([...policy.warnings, ...inventory.warnings]);
    if (errors.length > 0 || !policy.value || !inventory.value) return { errors, warnings };
    const set = loadedSet(policy.value, inventory.value.hosts, [...policy.value.files, ...inventory.value.files], generation);
    return { set, errors: [], warnings };
  } catch (e) {
    // Only a bug gets here: reported like any failed load, and the old set keeps serving.
    return { errors: [diagnostic('internal', `loading the policy set failed: ${systemMessage(e)}`)], warnings: [] };
  }
}

interface Policies {
  base: PolicySource;
  overlays: OverlaySource[];
  defaultSet: PolicySet;
  files: string[];
}

/**
 * The policy set as `eval` chooses it (inputs.ts loadPolicySet, DESIGN §2.2:
 * the shipped base and every shipped overlay by default, `policy` replaces
 * them, `overlays` add), kept as its sources so that every mode resolves from
 * the same documents.
 */
async function loadPolicies(options: StoreOptions): Promise<Result<Policies>> {
  const limits = options.limits;
  // The same choice as loadPolicySet: an overlay named twice applies once, where first named.
  const listed = options.policy === undefined ? await defaultOverlayFiles() : [];
  const named = [...listed, ...(options.overlays ?? [])];
  const overlayFiles = named.filter((f, i) => named.findIndex((g) => path.resolve(g) === path.resolve(f)) === i);
  const policyFile = options.policy ?? DEFAULT_POLICY_FILE;
  const [base, ...overlays] = await Promise.all([
    loadPolicySource(policyFile, limits),
    ...overlayFiles.map((f) => loadOverlay(f, limits, { named: !listed.includes(f) || (options.overlays ?? []).includes(f) })),
  ]);
  const files = [policyFile, ...overlayFiles];
  const errors = [base, ...overlays].flatMap((o) => o.errors);
  const warnings = [base, ...overlays].flatMap((o) => o.warnings);
  if (errors.length > 0) return { ok: false, errors, warnings };
  const sources = { base: base.value!, overlays: overlays.map((o) => o.value!) };
  // The checks across documents (extends, locked checks, duplicates) and the default mode, which must exist.
  const set = resolvePolicySet(sources.base, sources.overlays, options.mode);
  if (!set.ok) return { ok: false, errors: set.errors, warnings: [...warnings, ...set.warnings] };
  return ok({ ...sources, defaultSet: set.value, files }, [...warnings, ...set.warnings]);
}

interface Inventory {
  hosts: Map<string, Host>;
  files: string[];
}

/**
 * Every host of every inventory argument, through the library's loaders: any
 * error (a bad line, a bad host, two hosts of one name in any letter case or
 * with blanks around it) fails the whole inventory.
 */
async function loadInventory(args: readonly string[], limits: LoadLimits): Promise<Result<Inventory>> {
  const hosts = new Map<string, Host>();
  /** Where each host name (trimmed, lower case) was first given. */
  const firstAt = new Map<string, string>();
  const files = new Set<string>();
  let errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  for (const arg of args) {
    if (arg === '-') {
      errors.push(diagnostic('usage', 'an inventory cannot be read from standard input: the service reads it again on every reload', {}, { hint: 'name an .ndjson file' }));
      continue;
    }
    files.add(arg);
    for await (const entry of loadDocuments(arg, limits)) {
      if (!entry.ok) {
        errors.push(...entry.errors);
        continue;
      }
      const doc = entry.value;
      files.add(doc.file);
      const host = hostFromDocument(doc);
      errors.push(...host.errors.filter(isError));
      warnings.push(...host.warnings, ...host.errors.filter((d) => !isError(d)));
      if (!host.ok) continue;
      const h = host.value;
      const key = h.name.trim().toLowerCase();
      const first = firstAt.get(key);
      const where = doc.locate(['metadata', 'name']);
      if (first !== undefined) {
        errors.push(
          diagnostic('duplicate-key', `host name ${quote(h.name)} is given twice in the inventory (first at ${quote(first)})`, where, {
            hint: 'a request names a destination by its host name, which must name one host (letter case and surrounding blanks aside)',
          }),
        );
        continue;
      }
      firstAt.set(key, `${where.file ?? arg}${where.line === undefined ? '' : `:${where.line}:${where.col ?? 1}`}`);
      hosts.set(h.name, deepFreeze(h));
    }
    // Errors are kept to a readable number however large the inventory: the first ones and a count of the rest.
    if (errors.length > 1000) errors = capDiagnostics(sortDiagnostics(errors));
  }
  errors = capDiagnostics(sortDiagnostics(errors));
  const kept = capDiagnostics(sortDiagnostics(warnings));
  if (errors.length > 0) return { ok: false, errors, warnings: kept };
  return ok({ hosts, files: [...files] }, kept);
}

// --- the loaded set ------------------------------------------------------------------

function loadedSet(policies: Policies, hosts: Map<string, Host>, files: string[], generation: number): LoadedSet {
  const { base, overlays, defaultSet } = policies;
  // Nothing below is changed after this: the written documents and hosts are frozen, the rest built once.
  deepFreeze(base.written);
  for (const o of overlays) deepFreeze(o.written);
  const frozenOverlays = Object.freeze([...overlays.map((o) => Object.freeze({ ...o }))]);
  const frozenBase = Object.freeze({ ...base });
  const known = new Set(defaultSet.modes);
  const byMode = new Map<string, Result<PolicySet>>([[defaultSet.mode, Object.freeze(ok(Object.freeze(defaultSet), defaultSet.warnings))]]);
  const byFoldedName = new Map<string, Host>();
  for (const [name, host] of hosts) byFoldedName.set(name.trim().toLowerCase(), host);
  const inventory = new ReadonlyHostMap(hosts);
  return Object.freeze({
    base: frozenBase,
    overlays: frozenOverlays,
    policyFor(mode?: string): Result<PolicySet> {
      const chosen = mode ?? defaultSet.mode;
      // An unknown mode is an answer (`unknown-mode`), not cached: requests could name any number of them.
      if (!known.has(chosen)) return resolvePolicySet(frozenBase, frozenOverlays, chosen);
      let set = byMode.get(chosen);
      if (!set) {
        const resolved = resolvePolicySet(frozenBase, frozenOverlays, chosen);
        set = Object.freeze(resolved.ok ? ok(Object.freeze(resolved.value), resolved.warnings) : resolved);
        byMode.set(chosen, set);
      }
      return set;
    },
    digest: defaultSet.digest,
    mode: defaultSet.mode,
    inventory,
    findHost(name: string): Host | undefined {
      return hosts.get(name) ?? byFoldedName.get(name.trim().toLowerCase());
    },
    files: Object.freeze([...new Set(files)]),
    loadedAt: new Date().toISOString(),
    generation,
  });
}

/** The inventory as a Map that refuses changes once built (still a Map for whoever checks). */
class ReadonlyHostMap extends Map<string, Host> {
  constructor(entries: Map<string, Host>) {
    // Filled through Map's own set: this class's refuses.
    super();
    for (const [name, host] of entries) super.set(name, host);
    Object.freeze(this);
  }
  override set(_key: string, _value: Host): this {
    throw new TypeError('a loaded inventory is read-only');
  }
  override delete(_key: string): boolean {
    throw new TypeError('a loaded inventory is read-only');
  }
  override clear(): void {
    throw new TypeError('a loaded inventory is read-only');
  }
}

function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null || Object.isFrozen(v)) continue;
    Object.freeze(v);
    for (const k of Object.keys(v)) stack.push((v as Record<string, unknown>)[k]);
  }
  return value;
}

// --- watching ------------------------------------------------------------------------

/** For each watched directory: the entry names that matter in it, or every document name (a directory argument). */
type WatchPlan = Map<string, { names: Set<string>; documents: boolean }>;

/**
 * What to watch for these options: the directory of each file read (by the
 * file's name; and, for a link, the directory and name of what it leads to,
 * so that an edit of the target is seen), each directory argument (every
 * document name in it) and its parent (its own name), and the shipped overlay
 * directory when the default set is in use (an overlay added or removed).
 * A directory that does not exist is watched through its nearest existing
 * ancestor (by the name of the next step down), so a file whose directory
 * is created later is still seen.
 *
 * Names starting with `..` always count: Kubernetes mounts a ConfigMap as
 * links through `..data`, which it swaps atomically; the files' own names
 * never change.
 */
async function watchPlan(options: StoreOptions): Promise<WatchPlan> {
  const plan: WatchPlan = new Map();
  const add = (dir: string, name?: string) => {
    let entry = plan.get(dir);
    if (!entry) plan.set(dir, (entry = { names: new Set(), documents: false }));
    if (name === undefined) entry.documents = true;
    else entry.names.add(name);
  };
  const addFile = async (file: string) => {
    const abs = path.resolve(file);
    add(path.dirname(abs), path.basename(abs));
    const real = await realpath(abs).catch(() => abs);
    if (real !== abs) add(path.dirname(real), path.basename(real));
  };
  const addDirectory = async (dir: string) => {
    const abs = path.resolve(dir);
    add(abs);
    add(path.dirname(abs), path.basename(abs));
    const real = await realpath(abs).catch(() => abs);
    if (real !== abs) add(real);
  };
  await addFile(options.policy ?? DEFAULT_POLICY_FILE);
  if (options.policy === undefined) await addDirectory(DEFAULT_OVERLAY_DIR);
  for (const f of options.overlays ?? []) await addFile(f);
  for (const arg of options.inventory ?? []) {
    if (arg === '-') continue;
    const isDirectory = await stat(arg).then((s) => s.isDirectory(), () => false);
    await (isDirectory ? addDirectory(arg) : addFile(arg));
  }
  return plan;
}

interface Watched {
  watcher: FSWatcher;
  /** The directory's identity when armed: a directory deleted and made again is a new one, watched anew. */
  ino: number;
  dev: number;
  names: Set<string>;
  documents: boolean;
}

/**
 * One fs.watch per directory, kept across reloads while the directory is the
 * same one, re-armed when it was replaced, and moved to the nearest existing
 * ancestor while it is missing. Every error is caught: a watcher that fails
 * is closed and counts as a change (the reload that follows re-arms).
 */
class DirectoryWatchers {
  readonly #watched = new Map<string, Watched>();
  readonly #onChange: () => void;
  #closed = false;

  constructor(onChange: () => void) {
    this.#onChange = onChange;
  }

  /** Watch what the plan names; whether a directory not watched before (or replaced since) is watched now. */
  async arm(plan: WatchPlan): Promise<boolean> {
    // A missing directory is watched through its nearest existing ancestor, by the name of the next step down.
    const wanted: WatchPlan = new Map();
    const ids = new Map<string, { ino: number; dev: number }>();
    for (const [dir, want] of plan) {
      let at = dir;
      let names = want.names;
      let documents = want.documents;
      for (;;) {
        const info = await stat(at).catch(() => undefined);
        if (info?.isDirectory()) {
          ids.set(at, { ino: info.ino, dev: info.dev });
          break;
        }
        const up = path.dirname(at);
        if (up === at) break;
        names = new Set([path.basename(at)]);
        documents = false;
        at = up;
      }
      if (!ids.has(at)) continue;
      const entry = wanted.get(at) ?? { names: new Set<string>(), documents: false };
      for (const n of names) entry.names.add(n);
      entry.documents ||= documents;
      wanted.set(at, entry);
    }
    if (this.#closed) return false;
    let added = false;
    for (const [dir, w] of this.#watched) {
      const id = ids.get(dir);
      if (!wanted.has(dir) || !id || id.ino !== w.ino || id.dev !== w.dev) this.#drop(dir);
    }
    for (const [dir, want] of wanted) {
      const existing = this.#watched.get(dir);
      if (existing) {
        existing.names = want.names;
        existing.documents = want.documents;
        continue;
      }
      const id = ids.get(dir)!;
      try {
        const w = watch(dir, { persistent: true }, (_event, name) => this.#event(dir, name));
        w.on('error', () => {
          this.#drop(dir);
          this.#onChange();
        });
        this.#watched.set(dir, { watcher: w, ...id, names: want.names, documents: want.documents });
        added = true;
      } catch {
        // Gone between the stat and the watch, or not watchable: the next reload tries again.
      }
    }
    return added;
  }

  #event(dir: string, name: string | Buffer | null): void {
    try {
      const w = this.#watched.get(dir);
      if (!w || this.#closed) return;
      const entry = typeof name === 'string' ? name : name?.toString('utf8');
      // The directory itself removed or moved (Linux names it in its own last events): this watcher sees no
      // more, even if a directory of that name is made again (which may reuse the inode). Watched anew at
      // the reload this starts; a child of the directory's own name only costs a new watcher.
      if (entry === path.basename(dir)) {
        this.#drop(dir);
        this.#onChange();
        return;
      }
      // No name (some platforms, an overflowed queue): anything may have changed.
      if (entry === undefined || entry.startsWith('..') || w.names.has(entry) || (w.documents && DOCUMENT_NAME.test(entry))) this.#onChange();
    } catch {
      // Never out of a watcher's callback.
    }
  }

  #drop(dir: string): void {
    const w = this.#watched.get(dir);
    if (!w) return;
    this.#watched.delete(dir);
    try {
      w.watcher.close();
    } catch {
      // Already closed.
    }
  }

  close(): void {
    this.#closed = true;
    for (const dir of [...this.#watched.keys()]) this.#drop(dir);
  }
}
