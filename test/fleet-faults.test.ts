// Fleet faults: a destination directory with an unreadable entry (a link to
// a deleted file), an inventory with a line over the limit and a truncated
// last line. Each fault is one coded error naming its file (and line); every
// other host's result is still produced and counted; exit 2.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { ROOT } from './helpers.js';

test('faults in a fleet are reported one by one, and every good host is still decided', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mdev-faults-'));
  const hostB = parse(readFileSync(path.join(ROOT, 'examples/host-b.yaml'), 'utf8'));
  const line = (name: string) => JSON.stringify({ ...hostB, metadata: { name } });
  writeFileSync(path.join(dir, 'a-good.yaml'), readFileSync(path.join(ROOT, 'examples/host-b.yaml')));
  symlinkSync(path.join(dir, 'deleted.yaml'), path.join(dir, 'b-deleted.yaml'));
  const huge = JSON.stringify({ ...hostB, metadata: { name: 'huge', description: 'x'.repeat(20_000) } });
  writeFileSync(path.join(dir, 'c-inventory.ndjson'), [line('n1'), huge, line('n3'), line('n4').slice(0, 120)].join('\n'));
  const r = spawnSync(process.execPath, ['bin/run.js', 'eval', '-s', 'examples/host-a.yaml', '-d', dir, '--format', 'ndjson', '--max-bytes', '10000'], { cwd: ROOT, encoding: 'utf8' });
  assert.is(r.status, 2);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.filter((l) => l.kind === 'DestinationResult').map((l) => l.host), ['host-b', 'n1', 'n3']);
  const summary = lines[lines.length - 1];
  assert.is(summary.destinations, 3);
  const faults = summary.errors.map((e: { code: string; file: string; line?: number }) => [e.code, path.basename(e.file), e.line ?? null]);
  assert.equal(faults, [
    ['file-unreadable', 'b-deleted.yaml', null],
    ['input-too-large', 'c-inventory.ndjson', 2],
    ['yaml-syntax', 'c-inventory.ndjson', 4],
  ]);
  assert.not.match(r.stderr, /^\s+at .+:\d+:\d+\)?$/m);
});

test('a source with more devices than one decision places is refused (placement stays bounded)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mdev-many-'));
  const devices: Record<string, unknown> = {};
  for (let i = 0; i < 65; i++) devices[`00000000-0000-0000-0000-${String(i).padStart(12, '0')}`] = { type: 'mtty-1' };
  const host = { apiVersion: 'mdev-policy/v1', kind: 'Host', metadata: { name: 'many' }, spec: { parents: { mtty: { types: { 'mtty-1': { name: 'Single port serial', device_api: 'vfio-pci', available_instances: 100 } }, devices } } } };
  writeFileSync(path.join(dir, 'many.json'), JSON.stringify(host));
  writeFileSync(path.join(dir, 'other.json'), JSON.stringify({ ...host, metadata: { name: 'other' } }));
  const r = spawnSync(process.execPath, ['bin/run.js', 'eval', '-s', path.join(dir, 'many.json'), '-d', path.join(dir, 'many.json')], { cwd: ROOT, encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /many\.json: input-too-large: 65 source devices/);
  const some = spawnSync(process.execPath, ['bin/run.js', 'eval', '-s', path.join(dir, 'many.json'), '-d', path.join(dir, 'other.json'), '--device', '00000000-0000-0000-0000-000000000001'], { cwd: ROOT, encoding: 'utf8' });
  assert.is(some.status, 0, some.stderr);
});

test.run();
