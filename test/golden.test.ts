// CLI golden files (test/golden/*.txt): each holds the arguments, the exit
// status, stdout and stderr of one run of the built CLI (a real process, so
// what a terminal would get), from the project root with NO_COLOR.
// UPDATE_GOLDEN=1 rewrites them after a deliberate change.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli } from './cli.js';
import { ROOT } from './helpers.js';

const dir = path.join(ROOT, 'test/golden');

function parseGolden(text: string) {
  const args = /^args: (.*)$/m.exec(text)![1]!.split(' ');
  const status = Number(/^status: (\d+)$/m.exec(text)![1]);
  const stdout = text.split('--- stdout\n')[1]!.split('--- stderr\n')[0]!;
  const stderr = text.split('--- stderr\n')[1]!;
  return { args, status, stdout, stderr };
}

for (const name of readdirSync(dir).filter((f) => f.endsWith('.txt')).sort()) {
  test(`golden: ${name}`, () => {
    const file = path.join(dir, name);
    const want = parseGolden(readFileSync(file, 'utf8'));
    const r = cli(want.args);
    if (process.env.UPDATE_GOLDEN) {
      writeFileSync(file, `args: ${want.args.join(' ')}\nstatus: ${r.status}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`);
      return;
    }
    assert.is(r.stdout, want.stdout);
    assert.is(r.stderr, want.stderr);
    assert.is(r.status, want.status);
    assert.not.match(r.stdout + r.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
  });
}

test.run();
