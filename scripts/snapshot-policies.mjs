#!/usr/bin/env node
// Build step: load the shipped policy and overlays (policies/*.yaml,
// policies/vendors/*.yaml) once, with the project's own strict loader and
// checks from dist/ (parse → schema → policy checks → the default set: base
// plus every vendor overlay), into dist/shipped-policies.json, with their path
// and text. A shipped file that does not load fails the build with
// its coded errors, so the snapshot only ever holds documents the CLI would
// accept. At run time (src/inputs.ts) a shipped file whose text is unchanged
// is read from the snapshot instead of being parsed as YAML again (the
// default policy is six documents: most of a single eval's parse time); an
// edited file no longer matches and is loaded as usual. Runs after tsc.
// Each entry also records the kind it was validated and checked as when that
// found nothing at all (no error, no warning): at run time such a document is
// trusted, neither validated nor checked again (src/inputs.ts).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPolicySet, DEFAULT_POLICY_FILE, diagnostic, loadFile, overlayFromDocument, policyFromDocument, renderDiagnostics } from '../dist/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = [];
const errors = [];
let base;
const overlays = [];
for (const [dir, kind] of [['policies', 'Policy'], ['policies/vendors', 'Overlay']]) {
  for (const name of readdirSync(path.join(root, dir)).sort()) {
    if (!/\.ya?ml$/.test(name) || /\.test\.ya?ml$/.test(name)) continue;
    const rel = path.join(dir, name);
    const file = path.join(root, rel);
    const loaded = await loadFile(path.relative(process.cwd(), file)); // errors name the file as the user would
    if (!loaded.value) {
      errors.push(...loaded.errors);
      continue;
    }
    // The data as parsed, before anything downstream could touch it: what the loader would hand over at run time.
    const data = JSON.parse(JSON.stringify(loaded.value.data));
    const checked = kind === 'Policy' ? policyFromDocument(loaded.value) : overlayFromDocument(loaded.value);
    if (!checked.value) {
      errors.push(...checked.errors);
      continue;
    }
    if (kind === 'Overlay') overlays.push(checked.value);
    else if (path.resolve(file) === path.resolve(DEFAULT_POLICY_FILE)) base = checked.value;
    const clean = checked.errors.length === 0 && checked.warnings.length === 0;
    files.push({ path: rel, text: readFileSync(file, 'utf8'), data, ...(clean ? { trusted: kind } : {}) });
  }
}
// The default policy set is the base plus every vendor overlay: it must resolve (extends, locked checks, known ids and modes).
if (base) {
  const set = checkPolicySet(base, overlays);
  errors.push(...set.errors);
  process.stderr.write(renderDiagnostics(set.warnings));
} else if (errors.length === 0) {
  errors.push(diagnostic('file-unreadable', 'the shipped base policy is not in policies/', { file: DEFAULT_POLICY_FILE }));
}
if (errors.length > 0) {
  process.stderr.write(renderDiagnostics(errors));
  console.error('snapshot-policies: a shipped policy does not load; fix it (or run `mdev-policy validate` on it) and build again');
  process.exit(1);
}
mkdirSync(path.join(root, 'dist'), { recursive: true });
writeFileSync(path.join(root, 'dist/shipped-policies.json'), JSON.stringify({ files }));
console.log(`dist/shipped-policies.json: ${files.length} documents, loaded and checked (${files.filter((f) => f.trusted).length} trusted at run time)`);
