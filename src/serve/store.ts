// STAND-IN for the policy store of the decision service (the real one, with
// file watching, lives on branch i14-store and replaces this file). It keeps
// the contract of ./types.ts so the HTTP app can be built and tested: load
// once with the library; reload() loads again off to the side and swaps only
// when the whole new set is valid. It does not watch files (`watch` and
// `debounceMs` are accepted and ignored).

import path from 'node:path';
import { isError, type Diagnostic, type Result } from '../errors.js';
import { DEFAULT_POLICY_FILE, defaultOverlayFiles, loadDestinations, loadOverlay, loadPolicySource } from '../inputs.js';
import { resolvePolicySet, type PolicySet } from '../resolve.js';
import type { Host } from '../types.js';
import type { LoadedSet, ReloadOutcome, Store, StoreOptions } from './types.js';

async function loadSet(options: StoreOptions, generation: number): Promise<{ set?: LoadedSet; errors: Diagnostic[]; warnings: Diagnostic[] }> {
  const listed = options.policy === undefined ? await defaultOverlayFiles() : [];
  const named = [...listed, ...(options.overlays ?? [])];
  const overlayFiles = named.filter((f, i) => named.findIndex((g) => path.resolve(g) === path.resolve(f)) === i);
  const policyFile = options.policy ?? DEFAULT_POLICY_FILE;
  const [base, ...overlays] = await Promise.all([loadPolicySource(policyFile, options.limits), ...overlayFiles.map((f) => loadOverlay(f, options.limits))]);
  const errors = [base, ...overlays].flatMap((r) => r.errors);
  const warnings = [base, ...overlays].flatMap((r) => r.warnings);
  if (errors.length > 0 || !base.value) return { errors, warnings };
  const sources = overlays.map((o) => o.value!);
  const first = resolvePolicySet(base.value, sources, options.mode);
  if (!first.ok) return { errors: first.errors, warnings: [...warnings, ...first.warnings] };
  const inventory = new Map<string, Host>();
  for await (const entry of loadDestinations(options.inventory ?? [], options.limits)) {
    errors.push(...entry.errors.filter(isError));
    if (entry.host) inventory.set(entry.host.name, entry.host);
  }
  if (errors.length > 0) return { errors, warnings };
  const byMode = new Map<string, Result<PolicySet>>([[first.value.mode, first]]);
  const byKey = new Map([...inventory].map(([name, host]) => [name.trim().toLowerCase(), host]));
  const set: LoadedSet = {
    base: base.value,
    overlays: sources,
    policyFor: (mode) => {
      const m = mode ?? first.value.mode;
      let r = byMode.get(m);
      if (!r) byMode.set(m, (r = resolvePolicySet(base.value, sources, m)));
      return r;
    },
    digest: first.value.digest,
    mode: first.value.mode,
    inventory,
    findHost: (name) => inventory.get(name) ?? byKey.get(name.trim().toLowerCase()),
    files: [policyFile, ...overlayFiles, ...(options.inventory ?? [])],
    loadedAt: new Date().toISOString(),
    generation,
  };
  return { set, errors: [], warnings: [...warnings, ...first.warnings] };
}

export async function openStore(options: StoreOptions): Promise<Store> {
  let current: LoadedSet | undefined;
  let last: ReloadOutcome | undefined;
  let pending: Promise<ReloadOutcome> | undefined;
  const listeners: ((o: ReloadOutcome) => void)[] = [];
  const attempt = async (): Promise<ReloadOutcome> => {
    const loaded = await loadSet(options, (current?.generation ?? 0) + 1);
    if (loaded.set) current = loaded.set;
    last = { ok: loaded.set !== undefined, at: new Date().toISOString(), errors: loaded.errors, warnings: loaded.warnings, generation: current?.generation ?? 0 };
    for (const l of listeners) l(last);
    return last;
  };
  const reload = () => (pending ??= attempt().finally(() => (pending = undefined)));
  await reload();
  return {
    current: () => current,
    lastOutcome: () => last,
    reload,
    onReload: (l) => void listeners.push(l),
    close: () => Promise.resolve(),
  };
}
