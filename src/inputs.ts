// The front of the pipeline for whole files: load → validate (→ normalise for
// hosts, → check for policies) in one call per kind, each returning a Result,
// so commands, the test suite runner and library users compose the stages the
// same way.

import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { failed, isError, ok, resultOf, type Result } from './errors.js';
import { capDiagnostics, DEFAULT_LIMITS, loadDocuments, loadFile, parseText, readText, readTextArgument, STDIN_NAME, type LoadLimits, type ReadOptions, type SourceDocument } from './load.js';
import { parseDomain, type Domain } from './libvirt/domain.js';
import { normalizeHost } from './normalize.js';
import { checkPolicy, resolvePolicy, resolvePolicySet, type OverlaySource, type PolicySet, type PolicySource } from './resolve.js';
import { validateDocument } from './validate.js';
import type { EffectivePolicy, Host, WrittenHost, WrittenOverlay, WrittenPolicy } from './types.js';
import type { DestinationInput } from './evaluate/decision.js';

/** The shipped base policy. */
export const DEFAULT_POLICY_FILE = fileURLToPath(new URL('../policies/vfio-mdev.yaml', import.meta.url));
/** The shipped vendor overlays: every .yaml here but the test suites, applied by default in name order. */
export const DEFAULT_OVERLAY_DIR = fileURLToPath(new URL('../policies/vendors/', import.meta.url));

export async function defaultOverlayFiles(): Promise<string[]> {
  const names = (await readdir(DEFAULT_OVERLAY_DIR)).filter((n) => /\.ya?ml$/.test(n) && !/\.test\.ya?ml$/.test(n)).sort();
  return names.map((n) => path.join(DEFAULT_OVERLAY_DIR, n));
}

const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
/**
 * One shipped file in the snapshot: its text, its parsed data, and the kind it
 * passed every check as (absent: not trusted). The text itself is compared,
 * not a hash of it: stricter, and a run need not load node:crypto.
 */
interface ShippedFile {
  text: string;
  data: unknown;
  trusted?: 'Policy' | 'Overlay';
}
let shipped: Map<string, ShippedFile> | undefined;
/** Documents read from the snapshot, with the kind they were validated and checked as when the build made it. */
const trusted = new WeakMap<SourceDocument, 'Policy' | 'Overlay'>();

/** The build's snapshot of the shipped policy files (see scripts/snapshot-policies.mjs), if there is one. */
function shippedSnapshot(): Map<string, ShippedFile> {
  if (!shipped) {
    shipped = new Map();
    try {
      const snap = JSON.parse(readFileSync(new URL('../dist/shipped-policies.json', import.meta.url), 'utf8')) as { files: (ShippedFile & { path: string })[] };
      for (const f of snap.files) shipped.set(path.join(PACKAGE_ROOT, f.path), f);
    } catch {
      // No snapshot (running from sources before a build): every file is parsed.
    }
  }
  return shipped;
}

/**
 * A policy or overlay file: from the build's snapshot when it is a shipped
 * file whose text is unchanged (positions, if ever needed, come from parsing
 * it then), else parsed. A document from the snapshot is also trusted: the
 * build validated and checked it as its kind, with no error and no warning,
 * so policyFromDocument and overlayFromDocument take it as it is (an edited
 * file no longer matches, and is parsed, validated and checked as usual).
 */
async function loadPolicyFile(file: string, limits: LoadLimits, options: ReadOptions = {}): Promise<Result<SourceDocument>> {
  const read = await readText(file, limits, options);
  if (!read.ok) return read;
  const text = read.value;
  const snap = shippedSnapshot().get(path.resolve(file));
  if (snap && snap.text === text) {
    let parsed: SourceDocument | undefined;
    const real = () => (parsed ??= parseText(text, file, limits).value!);
    const doc: SourceDocument = { file, data: structuredClone(snap.data), locate: (p, key) => real().locate(p, key), sourceText: (p) => real().sourceText(p) };
    if (snap.trusted) trusted.set(doc, snap.trusted);
    return ok(doc);
  }
  return parseText(text, file, limits);
}

/** A policy document: loaded, schema-valid and internally consistent. */
export async function loadPolicySource(file: string, limits: LoadLimits = DEFAULT_LIMITS): Promise<Result<PolicySource>> {
  const loaded = await loadPolicyFile(file, limits);
  return loaded.ok ? policyFromDocument(loaded.value) : loaded;
}

export function policyFromDocument(doc: SourceDocument): Result<PolicySource> {
  // Validated and checked by the build, with nothing to report: what the checks below would find again.
  if (trusted.get(doc) === 'Policy') return ok({ written: doc.data as WrittenPolicy, doc });
  const v = validateDocument<WrittenPolicy>(doc, ['Policy']);
  if (!v.ok) return failed(v.errors);
  const source: PolicySource = { written: v.value, doc };
  // Like every stage's, a document's consistency errors are capped: the first ones and a count of the rest.
  return resultOf(source, capDiagnostics(checkPolicy(source)));
}

export function overlayFromDocument(doc: SourceDocument): Result<OverlaySource> {
  if (trusted.get(doc) === 'Overlay') return ok({ written: doc.data as WrittenOverlay, doc });
  const v = validateDocument<WrittenOverlay>(doc, ['Overlay']);
  return v.ok ? ok({ written: v.value, doc }) : failed(v.errors);
}

export async function loadOverlay(file: string, limits: LoadLimits = DEFAULT_LIMITS, options: ReadOptions = {}): Promise<Result<OverlaySource>> {
  const loaded = await loadPolicyFile(file, limits, options);
  return loaded.ok ? overlayFromDocument(loaded.value) : loaded;
}

export interface PolicyChoice {
  /** A policy file; default: the shipped base plus every shipped vendor overlay. */
  policy?: string;
  /** Overlay files added after the default ones (or after nothing, with `policy`). */
  overlays?: readonly string[];
  mode?: string;
}

/** The policy set a command works with (DESIGN §2.2: `--policy` replaces the default, `--overlay` adds). */
export async function loadPolicySet(choice: PolicyChoice = {}, limits: LoadLimits = DEFAULT_LIMITS): Promise<Result<PolicySet>> {
  const sources = await loadPolicySources(choice, limits);
  return sources.ok ? resolvePolicySet(sources.value.base, sources.value.overlays, choice.mode) : failed(sources.errors);
}

/** The written base policy and overlays of a policy choice, loaded and validated, not yet resolved. */
export async function loadPolicySources(choice: PolicyChoice = {}, limits: LoadLimits = DEFAULT_LIMITS): Promise<Result<{ base: PolicySource; overlays: OverlaySource[] }>> {
  // An overlay named twice (say, a shipped one given again with --overlay) applies once, where first named.
  const listed = choice.policy === undefined ? await defaultOverlayFiles() : [];
  const named = [...listed, ...(choice.overlays ?? [])];
  const overlayFiles = named.filter((f, i) => named.findIndex((g) => path.resolve(g) === path.resolve(f)) === i);
  // The shipped overlays are found by listing their directory: read only as regular files. The user's are named.
  const [base, ...overlays] = await Promise.all([
    loadPolicySource(choice.policy ?? DEFAULT_POLICY_FILE, limits),
    ...overlayFiles.map((f) => loadOverlay(f, limits, { named: !listed.includes(f) || (choice.overlays ?? []).includes(f) })),
  ]);
  const errors = [base, ...overlays].flatMap((o) => o.errors);
  if (errors.length > 0) return failed(errors);
  return ok({ base: base.value!, overlays: overlays.map((o) => o.value!) });
}

/** The effective policy of one policy file alone (default: the shipped base, without overlays) and a mode (default: the policy's). */
export async function loadEffectivePolicy(file: string = DEFAULT_POLICY_FILE, mode?: string, limits: LoadLimits = DEFAULT_LIMITS): Promise<Result<EffectivePolicy>> {
  const source = await loadPolicySource(file, limits);
  if (!source.ok) return source;
  const resolved = resolvePolicy(source.value, mode);
  return resolved;
}

export function hostFromDocument(doc: SourceDocument): Result<Host> {
  const v = validateDocument<WrittenHost>(doc, ['Host']);
  return v.ok ? normalizeHost(v.value, doc) : failed(v.errors);
}

/** One Host file (YAML or JSON). */
export async function loadHost(file: string, limits: LoadLimits = DEFAULT_LIMITS): Promise<Result<Host>> {
  const loaded = await loadFile(file, limits);
  return loaded.ok ? hostFromDocument(loaded.value) : loaded;
}

/**
 * Destination hosts from file, directory and .ndjson arguments, lazily, each
 * entry a host or the errors that stand in its place: one bad input never
 * hides the others.
 */
export async function* loadDestinations(args: readonly string[], limits: LoadLimits = DEFAULT_LIMITS): AsyncGenerator<DestinationInput> {
  for (const arg of args) {
    for await (const entry of loadDocuments(arg, limits)) {
      if (!entry.ok) {
        yield { errors: entry.errors };
        continue;
      }
      const host = hostFromDocument(entry.value);
      yield { ...(host.value ? { host: host.value } : {}), errors: host.errors.filter(isError), warnings: [...host.warnings, ...host.errors.filter((e) => !isError(e))] };
    }
  }
}

/** A libvirt domain XML file (`-`: standard input) with its mdev hostdevs. */
export async function loadDomain(arg: string, limits: LoadLimits = DEFAULT_LIMITS): Promise<Result<Domain>> {
  const read = await readTextArgument(arg, limits);
  return read.ok ? parseDomain(read.value, arg === '-' ? STDIN_NAME : arg, limits.maxDepth) : failed(read.errors);
}
