// Running the built CLI from tests: as a real subprocess (`cli`), or in this
// process through oclif's `run` (`cliInProcess`), which skips a Node start-up
// per run. Both run dist/, so importing this module first refuses a stale
// build (scripts/ensure-build.mjs): a test never judges an old dist/.
import { spawnSync } from 'node:child_process';
import { Config, run, settings } from '@oclif/core';
import { staleBuild } from '../scripts/ensure-build.mjs';
import { ROOT } from './helpers.js';

const stale = staleBuild();
if (stale) {
  process.stderr.write(`${stale}\n`);
  process.exit(1);
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** One run of bin/run.js in a child process, from the project root, without colour. */
export function cli(args: readonly string[], options: { timeout?: number; input?: string; maxBuffer?: number } = {}): CliRun {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['bin/run.js', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, ...options });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

let config: Promise<Config> | undefined;

/**
 * One run of the CLI in this process: the same oclif config, commands and
 * catch as bin/run.js, with stdout and stderr captured (not a terminal, no
 * colour) and the exit code read from process.exitCode as the process would
 * exit with it. Runs must not overlap (the streams are swapped while one runs).
 */
export async function cliInProcess(args: readonly string[]): Promise<CliRun> {
  // The commands in dist/, never their TypeScript sources through tsx (what oclif would do under NODE_ENV=development).
  settings.enableAutoTranspile = false;
  // As bin/run.js loads it: only the plugins the package declares, never the user's data directory's.
  config ??= Config.load({ root: ROOT, userPlugins: false, devPlugins: false });
  const loaded = await config;
  const out: string[] = [];
  const err: string[] = [];
  const saved = { out: process.stdout.write, err: process.stderr.write, outTTY: process.stdout.isTTY, errTTY: process.stderr.isTTY, exitCode: process.exitCode, noColor: process.env.NO_COLOR };
  const capture = (into: string[]) =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const cb = rest.find((x) => typeof x === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    }) as typeof process.stdout.write;
  const started = Date.now();
  let status: number | null;
  process.stdout.write = capture(out);
  process.stderr.write = capture(err);
  process.stdout.isTTY = false;
  process.stderr.isTTY = false;
  process.env.NO_COLOR = '1';
  process.exitCode = undefined;
  try {
    await run([...args], loaded);
    status = typeof process.exitCode === 'number' ? process.exitCode : Number(process.exitCode ?? 0);
  } catch (e) {
    // What oclif's handle() does in bin/run.js: an exit request ends the run with its code; anything else escaped every catch.
    const { oclif, code, message } = e as { oclif?: { exit?: number }; code?: string; message?: string };
    if (oclif?.exit === undefined) throw e;
    if (code !== 'EEXIT') err.push(`${message}\n`);
    status = oclif.exit;
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    process.stdout.isTTY = saved.outTTY;
    process.stderr.isTTY = saved.errTTY;
    if (saved.noColor === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = saved.noColor;
    process.exitCode = saved.exitCode;
  }
  return { status, stdout: out.join(''), stderr: err.join(''), ms: Date.now() - started };
}
