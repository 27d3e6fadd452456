// The hostile-input corpus (test/corpus/cases.yaml): every bad file through
// `validate` and through `eval` in each role it can play, asserting exit 2,
// the coded error at its position, no stack trace, and a bounded time.
// Most runs are in-process (test/cli.ts: the same oclif commands and catch,
// without a Node start-up each); the files in SUBPROCESS run as real
// processes, so a stack trace that only a real process would print (one per
// role, and the deep-nesting files, whose stack depth is the point) is seen.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { cli, cliInProcess, type CliRun } from './cli.js';
import { ROOT } from './helpers.js';

interface CorpusCase {
  file: string;
  roles: 'host' | 'any' | 'policy' | 'overlay' | 'dest' | 'none';
  error?: [string, number | null, number | null];
  maxBytes?: number;
  valid?: boolean;
}

const dir = 'test/corpus';
const cases = parse(readFileSync(path.join(ROOT, dir, 'cases.yaml'), 'utf8')) as CorpusCase[];
const EXAMPLE = 'examples/host-a.yaml';
const ROLES: Record<CorpusCase['roles'], ('source' | 'dest' | 'policy' | 'overlay')[]> = {
  host: ['source', 'dest'],
  any: ['source', 'dest', 'policy', 'overlay'],
  policy: ['policy'],
  overlay: ['overlay'],
  dest: ['dest'],
  none: [],
};
const ALL = ['source', 'dest', 'policy', 'overlay'] as const;

const SUBPROCESS = new Set(['garbage.yaml', 'deep-100k.yaml', 'deep-100k.json']);
assert.ok(
  [...SUBPROCESS].every((f) => cases.some((c) => c.file === f)) && cases.some((c) => SUBPROCESS.has(c.file) && c.roles === 'any'),
  'the subprocess runs cover a case of every role',
);

function runner(c: CorpusCase): (args: string[]) => Promise<CliRun> {
  return SUBPROCESS.has(c.file) ? async (args) => cli(args, { timeout: 20_000 }) : cliInProcess;
}

function expectError(output: string, file: string, [code, line, col]: NonNullable<CorpusCase['error']>, what: string): void {
  const where = line === null ? `${file}` : col === null ? `${file}:${line}:\\d+` : `${file}:${line}:${col}`;
  assert.match(output, new RegExp(`^${where.replace(/\./g, '\\.')}: ${code}: `, 'm'), `${what}: ${output}`);
}

for (const c of cases) {
  test(`corpus: ${c.file}${SUBPROCESS.has(c.file) ? ' (subprocess)' : ''}`, async () => {
    const run = runner(c);
    const file = `${dir}/${c.file}`;
    const limit = c.maxBytes ? ['--max-bytes', String(c.maxBytes)] : [];
    const v = await run(['validate', file, ...limit]);
    assert.is(v.status, c.valid ? 0 : 2, `validate ${c.file}: ${v.stdout}${v.stderr}`);
    if (c.error) expectError(v.stdout, file, c.error, 'validate');
    for (const role of ALL) {
      const native = ROLES[c.roles].includes(role);
      const args =
        role === 'source' ? ['-s', file, '-d', EXAMPLE] : role === 'dest' ? ['-s', EXAMPLE, '-d', file] : role === 'policy' ? ['-s', EXAMPLE, '-d', EXAMPLE, '-p', file] : ['-s', EXAMPLE, '-d', EXAMPLE, '-o', file];
      const r = await run(['eval', ...args, ...limit]);
      const all = r.stdout + r.stderr;
      assert.not.match(all, /^\s+at .+:\d+:\d+\)?$/m, `no stack trace (${role})`);
      assert.not.match(all, /internal: /, `no internal error (${role})`);
      assert.ok(r.ms < 10_000, `${role} took ${r.ms} ms`);
      if (c.valid && native) {
        assert.ok(r.status === 0 || r.status === 1, `${role}: a valid file is evaluated (${r.status}): ${r.stderr}`);
        continue;
      }
      assert.is(r.status, 2, `${role}: ${all}`);
      if (c.error && native) expectError(r.stderr, file, c.error, role);
      else assert.match(r.stderr, new RegExp(`^${file.replace(/\./g, '\\.')}(:\\d+:\\d+)?: [a-z-]+: `, 'm'), `${role}: a coded error naming the file: ${r.stderr}`);
    }
  });
}

test.run();
