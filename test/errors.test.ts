// Table cases (test/cases/errors.yaml): bad documents give coded errors at
// exact positions, through the library and, for some, through `eval`'s CLI
// (exit 2, one coded line, no stack trace).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_LIMITS, sortDiagnostics, validateFiles, type Diagnostic } from '../src/index.js';
import { readCases, ROOT } from './helpers.js';

interface ErrorCase {
  name: string;
  file: string;
  text?: string;
  bytes?: number[];
  /** Generate `a: [[[…]]]` nested this deep instead of `text`. */
  deep?: number;
  /** Run with this --max-bytes. */
  maxBytes?: number;
  /** [code, line, col]; a null line or col matches any. */
  errors: [string, number | null, number | null][];
  hint?: boolean;
  via?: 'eval-source' | 'eval-dest' | 'eval-policy';
}

const dir = mkdtempSync(path.join(tmpdir(), 'mdev-errors-'));
const BIN = path.join(ROOT, 'bin/run.js');
const EXAMPLE = path.join(ROOT, 'examples/host-a.yaml');

/** What `validate` reports for a file (every document of an .ndjson inventory). */
async function diagnose(file: string, maxBytes?: number): Promise<Diagnostic[]> {
  return (await validateFiles([file], maxBytes ? { ...DEFAULT_LIMITS, maxBytes } : DEFAULT_LIMITS)).diagnostics;
}

for (const c of readCases<ErrorCase>('errors.yaml')) {
  test(`error: ${c.name}`, async () => {
    const file = path.join(dir, c.file);
    writeFileSync(file, c.bytes ? Buffer.from(c.bytes) : c.deep ? `a: ${'['.repeat(c.deep)}${']'.repeat(c.deep)}\n` : (c.text ?? ''));
    const got = sortDiagnostics(await diagnose(file, c.maxBytes));
    assert.equal(
      got.map((d, i) => [d.code, c.errors[i]?.[1] === null ? null : d.line, c.errors[i]?.[2] === null ? null : d.col]),
      c.errors,
      got.map((d) => `${d.line}:${d.col} ${d.code}: ${d.message}`).join(' | '),
    );
    for (const d of got) {
      assert.is(d.file, file);
      assert.ok(d.code !== 'internal', 'no internal error');
      assert.ok(!d.message.includes('\n'), 'one line');
    }
    if (c.hint) assert.ok(got.some((d) => d.hint), 'a hint is given');
    if (c.via) {
      const args =
        c.via === 'eval-source' ? ['-s', file, '-d', EXAMPLE] : c.via === 'eval-dest' ? ['-s', EXAMPLE, '-d', file] : ['-s', EXAMPLE, '-d', EXAMPLE, '-p', file];
      const r = spawnSync(process.execPath, [BIN, 'eval', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      assert.is(r.status, 2, r.stderr);
      const [code, line, col] = c.errors[0]!;
      assert.ok(r.stderr.includes(`${file}:${line}:${col}: ${code}: `), r.stderr);
      assert.not.match(r.stdout + r.stderr, /^\s+at .+:\d+:\d+\)?$/m);
    }
  });
}

test.run();
