// `validate FILE…` as a library call: every document of the files given (an
// .ndjson inventory line by line) loaded and validated by its kind, policies
// checked for consistency, hosts normalised, test suites checked for case
// names used twice, and each overlay checked against
// its base: a Policy of that name among the files, else the shipped base,
// after the shipped vendor overlays as eval applies them. It returns what it
// found; rendering and exit codes are the caller's.

import path from 'node:path';
import type { Diagnostic } from './errors.js';
import { DEFAULT_POLICY_FILE, defaultOverlayFiles, hostFromDocument, loadOverlay, loadPolicySource, overlayFromDocument, policyFromDocument } from './inputs.js';
import { DEFAULT_LIMITS, loadDocuments, type LoadLimits } from './load.js';
import { checkPolicySet, type OverlaySource, type PolicySource } from './resolve.js';
import { duplicateCaseNames, type WrittenSuite } from './suite.js';
import { validateDocument } from './validate.js';

export interface FilesChecked {
  /** Documents read; a file or NDJSON line that could not be read counts none. */
  documents: number;
  /** Every error and warning, in the order found. */
  diagnostics: Diagnostic[];
}

export async function validateFiles(files: readonly string[], limits: LoadLimits = DEFAULT_LIMITS): Promise<FilesChecked> {
  const diagnostics: Diagnostic[] = [];
  let documents = 0;
  const policies: PolicySource[] = [];
  const overlays: OverlaySource[] = [];
  const overlayFiles = new Set<string>();
  for (const file of files) {
    for await (const entry of loadDocuments(file, limits)) {
      if (!entry.ok) {
        diagnostics.push(...entry.errors);
        continue;
      }
      documents++;
      const v = validateDocument(entry.value);
      diagnostics.push(...v.errors);
      if (!v.ok) continue;
      if (v.kind === 'Policy') {
        const p = policyFromDocument(entry.value);
        diagnostics.push(...p.errors);
        if (p.ok) policies.push(p.value);
      } else if (v.kind === 'Overlay') {
        const o = overlayFromDocument(entry.value);
        if (o.ok) overlays.push(o.value);
        overlayFiles.add(path.resolve(entry.value.file));
      } else if (v.kind === 'Host') {
        const h = hostFromDocument(entry.value);
        diagnostics.push(...h.errors, ...h.warnings);
      } else if (v.kind === 'TestSuite') {
        diagnostics.push(...duplicateCaseNames(v.value as WrittenSuite, entry.value));
      }
    }
  }
  if (overlays.length > 0) diagnostics.push(...(await checkOverlays(overlays, overlayFiles, policies)));
  return { documents, diagnostics };
}

/** Overlays against their base: a Policy of that name given here (the first given wins), else the shipped base. */
async function checkOverlays(overlays: readonly OverlaySource[], overlayFiles: ReadonlySet<string>, policies: readonly PolicySource[]): Promise<Diagnostic[]> {
  const shipped = await loadPolicySource(DEFAULT_POLICY_FILE);
  if (!shipped.ok) return shipped.errors;
  const out: Diagnostic[] = [];
  const bases = new Map<string, PolicySource>([[shipped.value.written.metadata.name, shipped.value]]);
  for (const p of [...policies].reverse()) bases.set(p.written.metadata.name, p);
  const groups = new Map<PolicySource, OverlaySource[]>();
  for (const o of overlays) {
    const base = bases.get(o.written.spec.extends.policy) ?? shipped.value;
    groups.set(base, [...(groups.get(base) ?? []), o]);
  }
  // Over the shipped base, overlays are checked as eval applies them: after the shipped vendor overlays not given here.
  const shippedOverlays: OverlaySource[] = [];
  for (const f of await defaultOverlayFiles()) {
    if (overlayFiles.has(path.resolve(f))) continue;
    const o = await loadOverlay(f);
    if (o.ok) shippedOverlays.push(o.value);
    else out.push(...o.errors);
  }
  for (const [base, mine] of groups) {
    const checked = checkPolicySet(base, base === shipped.value ? [...shippedOverlays, ...mine] : mine);
    out.push(...checked.errors, ...checked.warnings);
  }
  return out;
}
