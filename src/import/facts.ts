// Facts that no file of the host exposes, from `--facts FILE` (DESIGN §10):
// a `kind: Facts` document (schemas/facts.schema.json) with host facts and
// parent facts by parent id, all strings (a number is refused with the hint
// to quote it). Files are loaded and validated before anything is collected
// or imported: a bad one is a coded error with its line:col and nothing is
// written.
//
// Merging, after everything the host's own files gave, file by file in the
// order given:
// - facts given win, over what the host exposes and over earlier files; a
//   value that changes is a warning naming both (a fact given by mistake
//   should not go unseen);
// - parent facts go to the parent of that id; an id that is no parent of the
//   host but the physical function (`pci_physfn`) of some — nvidia-smi lists
//   the physical GPU, SR-IOV vGPU hosts make its virtual functions the mdev
//   parents — fill in, on each of those parents, the facts it does not have
//   (its own PCI ids stay its own);
// - any other parent id is a warning and its facts are left out: one facts
//   file may serve several hosts, and nvidia-smi lists GPUs that are no mdev
//   parent (passthrough, unused). A Host never gains a parent from --facts.

import { diagnostic, failed, ok, quote, warning, type Diagnostic, type Result } from '../errors.js';
import { DEFAULT_LIMITS, loadFile, type LoadLimits, type SourceDocument } from '../load.js';
import { validateDocument } from '../validate.js';
import type { WrittenFacts } from '../types.js';
import { badName, object, sorted, type HostBuilder } from './host-builder.js';

export interface FactsSource {
  file: string;
  facts: WrittenFacts;
  locate: SourceDocument['locate'];
}

/** Each --facts file, loaded and validated; every file's errors when any is bad. */
export async function loadFactsFiles(files: readonly string[], limits: LoadLimits = DEFAULT_LIMITS): Promise<Result<FactsSource[]>> {
  const sources: FactsSource[] = [];
  const errors: Diagnostic[] = [];
  for (const file of files) {
    const loaded = await loadFile(file, limits);
    if (!loaded.ok) {
      errors.push(...loaded.errors);
      continue;
    }
    const v = validateDocument<WrittenFacts>(loaded.value, ['Facts']);
    if (!v.ok) {
      errors.push(...v.errors);
      continue;
    }
    const doc = loaded.value;
    sources.push({ file, facts: v.value, locate: (at, key) => doc.locate(at, key) });
  }
  return errors.length > 0 ? failed(errors) : ok(sources);
}

/** A facts map's entries, trimmed; a blank fact is no fact: it neither replaces a value read nor is written. */
const entries = (m: Record<string, string> | undefined): [string, string][] =>
  Object.entries(m ?? {}).flatMap(([k, v]): [string, string][] => (v.trim() === '' ? [] : [[k, v.trimEnd()]]));

/** Merge the facts of `sources` into a host being built (see the header); the warnings. */
export function mergeFacts(into: HostBuilder, sources: readonly FactsSource[]): Diagnostic[] {
  const warnings: Diagnostic[] = [];
  /** Where each value came from, for the warning when a later one replaces it. */
  const origin = new Map<string, string>();
  const from = (key: string) => origin.get(key) ?? 'the host';
  for (const src of sources) {
    const replaced = (key: string, name: string, before: string, value: string, where: (string | number)[]) =>
      warnings.push(warning('duplicate-key', `\`${name}\` ${quote(value)} replaces ${quote(before)} from ${from(key)}`, src.locate(where), 'facts given win; check that this file is about this host'));
    for (const [name, value] of entries(src.facts.spec.host)) {
      const before = into.hostFact(name);
      if (before !== undefined && before !== value) replaced(`host/${name}`, name, before, value, ['spec', 'host', name]);
      into.addHostFacts([[name, value]]);
      origin.set(`host/${name}`, src.file);
    }
    for (const [id, facts] of Object.entries(src.facts.spec.parents ?? {})) {
      if (into.hasParent(id)) {
        for (const [name, value] of entries(facts)) {
          const before = into.parentFact(id, name);
          if (before !== undefined && before !== value) replaced(`${id}/${name}`, name, before, value, ['spec', 'parents', id, name]);
          into.addParentFacts(id, [[name, value]]);
          origin.set(`${id}/${name}`, src.file);
        }
        continue;
      }
      const functions = into.parentIds().filter((p) => into.parentFact(p, 'pci_physfn') === id);
      if (functions.length === 0) {
        warnings.push(
          warning('unknown-device', `parent ${quote(id)} is not on this host, nor the physical function of one of its parents: its facts are left out`, src.locate(['spec', 'parents', id], true), `its parents: ${into.parentIds().map((p) => quote(p)).join(', ') || 'none'}`),
        );
        continue;
      }
      for (const vf of functions) {
        into.addParentFacts(vf, entries(facts).filter(([name]) => into.parentFact(vf, name) === undefined));
      }
    }
  }
  return warnings;
}

/**
 * Facts gathered from several inputs (one `nvidia-smi -q -x` file per GPU,
 * or all in one), written as a Facts document. A value that two inputs give
 * differently is an error: the inputs are not of one host.
 */
export class FactsBuilder {
  private readonly host = new Map<string, string>();
  private readonly parents = new Map<string, Map<string, string>>();

  /** Set a host fact; the value it had when it differs. */
  setHost(name: string, value: string): string | undefined {
    return set(this.host, name, value);
  }

  /** Set a parent fact; the value it had when it differs. */
  setParent(parent: string, name: string, value: string): string | undefined {
    let facts = this.parents.get(parent);
    if (!facts) {
      if (badName(parent) !== undefined) throw new Error(`internal: FactsBuilder given an unchecked parent id: ${parent}`);
      facts = new Map();
      this.parents.set(parent, facts);
    }
    return set(facts, name, value);
  }

  build(name: string, collectedAt?: string): WrittenFacts {
    const spec: WrittenFacts['spec'] = {};
    if (this.host.size > 0) spec.host = object(sorted(this.host), (v) => v);
    if (this.parents.size > 0) spec.parents = object(this.parents, (f) => object(sorted(f), (v) => v));
    return { apiVersion: 'mdev-policy/v1', kind: 'Facts', metadata: collectedAt === undefined ? { name } : { name, collectedAt }, spec };
  }
}

function set(m: Map<string, string>, name: string, value: string): string | undefined {
  if (badName(name) !== undefined) throw new Error(`internal: FactsBuilder given an unchecked fact name: ${name}`);
  const before = m.get(name);
  if (before !== undefined && before !== value) return before;
  m.set(name, value);
  return undefined;
}

/** Check a produced Facts document the way `--facts` will read it. */
export function checkProducedFacts(facts: WrittenFacts, origin: string): Result<WrittenFacts> {
  const data = JSON.parse(JSON.stringify(facts)) as unknown;
  const v = validateDocument<WrittenFacts>({ file: origin, data, locate: () => ({ file: origin }), sourceText: () => undefined }, ['Facts']);
  return v.ok ? ok(facts) : failed(v.errors.map((e) => diagnostic(e.code, `the facts produced are not valid: ${e.message}`, { file: origin })));
}
