// Table cases (test/cases/imports.yaml): `mdev-policy import mdevctl|libvirt`
// through the CLI, asserting the parents, types, devices and attributes
// produced, or the coded errors with file:line:col (exit 2); and the suite's
// imported vfio-ap host is what the importer writes.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { readCases, ROOT } from './helpers.js';

interface ImportCase {
  name: string;
  tool: 'mdevctl' | 'libvirt';
  files: string[];
  flags?: string[];
  expect?: { parents?: Record<string, string[]>; devices?: Record<string, [string, string, Record<string, unknown> | null]> };
  errors?: [string, string, number, number][];
  messages?: string[];
}

const FIXTURES = 'test/fixtures';

for (const c of readCases<ImportCase>('imports.yaml')) {
  test(`import: ${c.name}`, () => {
    const files = c.files.map((f) => path.join(FIXTURES, f));
    const r = spawnSync(process.execPath, ['bin/run.js', 'import', c.tool, ...files, ...(c.flags ?? []), '--json'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.not.match(r.stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
    if (c.errors) {
      assert.is(r.status, 2);
      assert.is(r.stdout, '');
      const got = [...r.stderr.matchAll(/^(\S+?):(\d+):(\d+): ([a-z-]+): /gm)].map((m) => [m[4], path.relative(FIXTURES, m[1]!), Number(m[2]), Number(m[3])]);
      assert.equal(got, c.errors, r.stderr);
      for (const m of c.messages ?? []) assert.ok(r.stderr.includes(m), `names the JSON path ${m}`);
      return;
    }
    assert.is(r.status, 0, r.stderr);
    const host = JSON.parse(r.stdout);
    const parents = host.spec.parents as Record<string, { types?: Record<string, unknown>; devices?: Record<string, { type: string; attributes?: Record<string, unknown> }> }>;
    if (c.expect?.parents) {
      assert.equal(
        Object.fromEntries(Object.entries(parents).map(([id, p]) => [id, Object.keys(p.types ?? {})])),
        c.expect.parents,
      );
    }
    const devices = Object.fromEntries(Object.entries(parents).flatMap(([id, p]) => Object.entries(p.devices ?? {}).map(([u, d]) => [u, [id, d.type, d.attributes ?? null]])));
    if (c.expect?.devices) assert.equal(devices, c.expect.devices);
  });
}

test('policies/vendors/hosts/ap-src-imported.yaml is what `import mdevctl` writes for the vfio-ap fixtures', () => {
  const files = ['ap-types.json', 'ap-list-defined.json'].map((f) => path.join(FIXTURES, 'mdevctl', f));
  const r = spawnSync(process.execPath, ['bin/run.js', 'import', 'mdevctl', ...files, '--name', 'ap-src-imported', '--json'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.is(r.status, 0, r.stderr);
  const suiteHost = parse(readFileSync(path.join(ROOT, 'policies/vendors/hosts/ap-src-imported.yaml'), 'utf8')) as unknown;
  assert.equal(suiteHost, JSON.parse(r.stdout));
});

test.run();
