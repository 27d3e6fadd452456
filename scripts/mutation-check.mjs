// A mutation check run by hand (issue 9): flip each important line listed in
// test/mutations.yaml, in a scratch worktree of HEAD, build, run the unit
// tests and the shipped suites, and report which tests catch the mutant.
// A mutant no test catches is a hole in the tests. Usage:
//   node scripts/mutation-check.mjs [id …]        (needs node_modules; ~2 min a mutant)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const mutants = parse(readFileSync(path.join(root, 'test/mutations.yaml'), 'utf8'));
const only = process.argv.slice(2);
const work = path.join(tmpdir(), `mdev-policy-mutants-${process.pid}`);
execFileSync('git', ['worktree', 'add', '--detach', work, 'HEAD'], { cwd: root, stdio: 'ignore' });
symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'));
const strip = (s) => s.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
const rows = [];
try {
  for (const m of mutants) {
    if (only.length > 0 && !only.includes(m.id)) continue;
    const file = path.join(work, m.file);
    const text = readFileSync(file, 'utf8');
    const at = text.split(m.find).length - 1;
    if (at !== 1) throw new Error(`${m.id}: \`${m.find}\` occurs ${at} times in ${m.file}`);
    writeFileSync(file, text.replace(m.find, m.replace));
    const caught = [];
    const build = spawnSync('npm', ['run', 'build'], { cwd: work, encoding: 'utf8' });
    if (build.status !== 0) caught.push('build');
    else {
      const unit = spawnSync(process.execPath, ['--import', 'tsx', 'node_modules/uvu/bin.js', 'test', '\\.test\\.ts$'], { cwd: work, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 << 20 });
      let current = '';
      for (const line of strip(unit.stdout + unit.stderr).split('\n')) {
        if (/^\S+\.test\.ts$/.test(line)) current = line;
        const f = /^\s*FAIL\s+"(.+)"/.exec(line);
        if (f) caught.push(`${current}: ${f[1]}`);
      }
      const suites = spawnSync(process.execPath, ['bin/run.js', 'test', 'policies'], { cwd: work, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      for (const line of strip(suites.stdout).split('\n')) if (/^\s*✗/.test(line)) caught.push(`suite: ${line.replace(/^\s*✗\s*/, '')}`);
      if (unit.status !== 0 && !caught.some((c) => !c.startsWith('suite:'))) caught.push(`unit run exited ${unit.status}`);
    }
    writeFileSync(file, text);
    rows.push({ id: m.id, what: m.what, caught });
    console.log(`${caught.length > 0 ? 'caught' : 'SURVIVED'}  ${m.id}: ${m.what}`);
    for (const c of caught.slice(0, 6)) console.log(`    ${c}`);
    if (caught.length > 6) console.log(`    … and ${caught.length - 6} more`);
  }
} finally {
  execFileSync('git', ['worktree', 'remove', '--force', work], { cwd: root, stdio: 'ignore' });
  if (existsSync(work)) rmSync(work, { recursive: true, force: true });
}
const survived = rows.filter((r) => r.caught.length === 0);
console.log(`\n${rows.length - survived.length} of ${rows.length} mutants caught`);
process.exitCode = survived.length > 0 ? 1 : 0;
