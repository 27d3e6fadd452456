#!/usr/bin/env node
// Is dist/ as new as what it is built from? The build's last step writes a
// stamp (`--stamp`); dist/ is stale when any file under src/, schemas/,
// policies/ or scripts/ (or package.json, package-lock.json, tsconfig*.json) is newer than it.
//   node scripts/ensure-build.mjs          build only when stale (npm test: CI builds once)
//   node scripts/ensure-build.mjs --check  exit 1 with the reason when stale (test:unit)
//   node scripts/ensure-build.mjs --stamp  record that the build just finished
// The CLI-spawning tests import staleBuild() too (test/cli.ts), so a test run
// never judges an old dist/.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STAMP = path.join(ROOT, 'dist', '.build-stamp');
// package-lock.json: the bundled CLI (dist/cli*.mjs) holds its dependencies' code, so new versions of them mean a new build.
const INPUTS = ['src', 'schemas', 'policies', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];

/** The newest file under `p` (a file or a directory), as [mtimeMs, path]. */
function newest(p) {
  let st;
  try {
    st = statSync(p);
  } catch {
    return [0, p];
  }
  if (!st.isDirectory()) return [st.mtimeMs, p];
  let best = [0, p];
  for (const name of readdirSync(p)) {
    const n = newest(path.join(p, name));
    if (n[0] > best[0]) best = n;
  }
  return best;
}

/** Why dist/ cannot be trusted (a one-line message), or undefined when it is up to date. */
export function staleBuild() {
  let built;
  try {
    built = statSync(STAMP).mtimeMs;
  } catch {
    return 'dist/ has not been built: run npm run build';
  }
  const [mtime, file] = INPUTS.map((p) => newest(path.join(ROOT, p))).reduce((a, b) => (b[0] > a[0] ? b : a));
  return mtime > built ? `dist/ is older than ${path.relative(ROOT, file)}: run npm run build` : undefined;
}

function main(arg) {
  if (arg === '--stamp') {
    mkdirSync(path.dirname(STAMP), { recursive: true });
    writeFileSync(STAMP, `${new Date().toISOString()}\n`);
    return 0;
  }
  const stale = staleBuild();
  if (arg === '--check') {
    if (stale) console.error(stale);
    return stale ? 1 : 0;
  }
  if (!stale) {
    console.log('dist/ is up to date: not rebuilding');
    return 0;
  }
  console.log(`${stale.replace(/: run npm run build$/, '')}: building`);
  // Inside an npm script npm_execpath is npm's own entry point; otherwise the npm on PATH.
  const npm = process.env.npm_execpath;
  const r = npm ? spawnSync(process.execPath, [npm, 'run', 'build'], { stdio: 'inherit' }) : spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
  return r.status ?? 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) process.exitCode = main(process.argv[2]);
