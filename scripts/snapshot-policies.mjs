#!/usr/bin/env node
// Build step: parse the shipped policy and overlays (policies/*.yaml,
// policies/vendors/*.yaml) once, into dist/shipped-policies.json, keyed by
// path and content hash. At run time a shipped file whose text still has that
// hash is read from the snapshot instead of being parsed as YAML again (the
// default policy is six documents: most of a single eval's parse time). An
// edited file no longer matches and is parsed as usual.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = [];
for (const dir of ['policies', 'policies/vendors']) {
  for (const name of readdirSync(path.join(root, dir)).sort()) {
    if (!/\.ya?ml$/.test(name) || /\.test\.ya?ml$/.test(name)) continue;
    const rel = path.join(dir, name);
    const text = readFileSync(path.join(root, rel), 'utf8');
    files.push({ path: rel, sha256: createHash('sha256').update(text).digest('hex'), data: parse(text) });
  }
}
mkdirSync(path.join(root, 'dist'), { recursive: true });
writeFileSync(path.join(root, 'dist/shipped-policies.json'), JSON.stringify({ files }));
console.log(`dist/shipped-policies.json: ${files.length} documents`);
