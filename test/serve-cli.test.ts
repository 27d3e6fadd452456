// The real `mdev-policy serve` process (bin/run.js, the built CLI) on an
// ephemeral loopback port: the address it prints, HTTP over a socket, flags
// from the environment, and SIGTERM ending it with the decision log flushed.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { cli } from './cli.js';
import { ROOT } from './helpers.js';

const read = (f: string) => parse(readFileSync(path.join(ROOT, f), 'utf8')) as unknown;

test('serve --port 0: prints the bound address, answers over HTTP, takes flags from the environment, and stops on SIGTERM with the log flushed', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mdev-serve-cli-'));
  const log = path.join(dir, 'decisions.ndjson');
  const child = spawn(process.execPath, ['bin/run.js', 'serve', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', MDEV_POLICY_INVENTORY: 'examples/fleet.ndjson', MDEV_POLICY_DECISION_LOG: log, MDEV_POLICY_MODE: 'superset', MDEV_POLICY_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no address printed in 20 s; stderr:\n${stderr}`)), 20_000);
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString('utf8');
        const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      void exited.then((code) => reject(new Error(`exited (${code}) before listening; stderr:\n${stderr}`)));
    });
    assert.not.match(url, /:0$/);
    const health = await fetch(`${url}/health`);
    assert.is(health.status, 200);
    assert.equal(await health.json(), { status: 'ok' });
    const ready = await fetch(`${url}/ready`);
    assert.is(ready.status, 200);
    // A repeatable flag from its environment variable: one path, not its characters.
    assert.is(((await ready.json()) as { inventoryHosts: number }).inventoryHosts, readFileSync(path.join(ROOT, 'examples/fleet.ndjson'), 'utf8').trim().split('\n').length);
    const r = await fetch(`${url}/v1/decisions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: read('examples/host-a.yaml'), destinations: [read('examples/host-b.yaml')], destinationHosts: ['gvt-node-01'] }),
    });
    assert.is(r.status, 200);
    const decision = (await r.json()) as { kind: string; id: string; mode: string; destinations: { host: string }[] };
    assert.is(decision.kind, 'Decision');
    assert.is(decision.mode, 'superset');
    assert.equal(decision.destinations.map((d) => d.host), ['host-b', 'gvt-node-01']);
    const bad = await fetch(`${url}/v1/decisions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"source": {}, "source": {}}' });
    assert.is(bad.status, 400);
    assert.is(((await bad.json()) as { code: string }).code, 'duplicate-key');
    assert.match(await (await fetch(`${url}/metrics`)).text(), /^mdev_policy_decisions_total\{verdict="[a-z]+"\} 1$/m);
    child.kill('SIGTERM');
    assert.is(await exited, 0, stderr);
    const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
    // One line per request: the decision, then the refused one.
    assert.is(lines.length, 2);
    assert.is((JSON.parse(lines[0]!) as { id: string }).id, decision.id);
    assert.equal(JSON.parse(lines[1]!) as { verdict: string; status: number }, { ...(JSON.parse(lines[1]!) as object), verdict: 'error', status: 400 });
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('serve: a port it cannot bind is a usage error (exit 2), not a stack trace', async () => {
  const child = spawn(process.execPath, ['bin/run.js', 'serve', '--host', '203.0.113.1', '--port', '0'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', MDEV_POLICY_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.is(code, 2, stderr);
  assert.match(stderr, /^usage: cannot listen on 203\.0\.113\.1:0/m);
  assert.not.match(stderr, /^\s+at /m);
});

test('serve: a policy choice or inventory that does not load at start is exit 2 with the coded errors; it never listens', () => {
  for (const [args, code] of [
    [['--inventory', '-'], 'usage'],
    [['--mode', 'nosuch'], 'unknown-mode'],
    [['--policy', 'test/nowhere.yaml'], 'file-unreadable'],
  ] as const) {
    const r = cli(['serve', '--port', '0', ...args], { timeout: 30_000 });
    assert.is(r.status, 2, args.join(' '));
    assert.ok(r.stderr.includes(`${code}:`), `${args.join(' ')}: ${r.stderr}`);
    assert.not.ok(r.stderr.includes('listening on'), args.join(' '));
  }
});

test.run();
