// The mdev-policy executable's body, bundled with oclif into dist/cli.mjs
// (scripts/build-cli.mjs); bin/run.js only imports that. oclif finds the
// commands through oclif.manifest.json (help, --version and topics import no
// command) and, for the one run, the explicit command map (src/cli/commands.ts,
// bundled as dist/cli-commands.mjs).
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config, flush, handle, run, settings } from '@oclif/core';
import { didYouMean } from '../errors.js';
import { escapeForTerminal } from '../terminal.js';

// The exit code is the answer (0 compatible, 1 not, 2 bad input), so it must
// not depend on whether the output could be written: a reader that left early
// (EPIPE), a stream opened read-only or closed (EBADF). A write that fails is
// lost, never rethrown. oclif swallows EPIPE on stdout only and rethrows every
// other error from an 'error' listener (an uncaught exception, exit 1): its
// listener is replaced, and stderr gets the same treatment.
const lost = () => {};
for (const stream of [process.stdout, process.stderr]) {
  for (const listener of stream.listeners('error')) stream.removeListener('error', listener as (...args: unknown[]) => void);
  stream.on('error', lost);
}

// The bundle is what runs, whatever NODE_ENV says: oclif never looks for
// TypeScript sources to transpile in place of it.
settings.enableAutoTranspile = false;

// Only the plugins this package declares: no user plugins (installed or linked
// under ~/.local/share/mdev-policy, $XDG_DATA_HOME/mdev-policy or
// $MDEV_POLICY_DATA_DIR) and no dev plugins. oclif would otherwise import them
// and run their init hooks before every command: code from a user-writable
// path, in a tool run as root.
const loadOptions = { root: fileURLToPath(import.meta.url), userPlugins: false, devPlugins: false };

// What oclif's execute() does, with one rule more: whatever fails before a
// command runs (an unknown command, a plugin's own usage error, a file it
// cannot write) is one coded line on stderr, exit 2, its text escaped for
// the terminal like every other input — never oclif's multi-line `Error:`
// block. Commands report their own errors (BaseCommand.catch).
let config: Config | undefined;
const argv = process.argv.slice(2);
try {
  config = await Config.load(loadOptions);
  if (argv[0] === 'autocomplete') completionCacheWritable(config.cacheDir);
  await run(argv, config);
  await flush();
} catch (error) {
  const e = error as Error & { oclif?: { exit?: number }; code?: string; syscall?: string };
  if (e?.code === 'EEXIT' || e?.oclif?.exit === 0) await handle(e);
  else {
    process.stderr.write(`${oneLine(e, config)}\n`);
    if (argv.includes('--debug') || /(^|,)mdev-policy(,|$)/.test(process.env.DEBUG ?? '')) process.stderr.write(`${escapeForTerminal(String(e?.stack ?? ''))}\n`);
    process.exitCode = 2;
  }
}

/** The one line for an error raised outside any command. */
function oneLine(e: Error & { oclif?: { exit?: number }; code?: string; path?: string }, config: Config | undefined): string {
  const message = String(e?.message ?? e);
  const unknown = /^command (\S+) not found\.?$/i.exec(message);
  if (unknown && config) {
    // oclif joins the words (arguments too) into one id.
    const words = unknown[1]!.split(':');
    const ids = new Set(config.commands.map((c) => c.id));
    for (let k = words.length - 1; k > 0; k--) {
      const id = words.slice(0, k).join(':');
      if (ids.has(id)) {
        const command = id.replace(/:/g, ' ');
        return `usage: unexpected argument \`${escapeForTerminal(words.slice(k).join(' '))}\` for \`${command}\` (see \`mdev-policy ${command} --help\`)`;
      }
    }
    if (words[0] === 'help') return 'usage: unknown command `help`: ask a command for its help, `mdev-policy COMMAND --help` (or `mdev-policy --help`)';
    const topics = config.topics.map((t) => t.name.replace(/:/g, ' '));
    const id = words.slice(0, topics.includes(words[0]!) ? 2 : 1).join(' ');
    const names = [...config.commands.filter((c) => !c.hidden).map((c) => c.id.replace(/:/g, ' ')), ...topics];
    const suggestion = didYouMean(id, names);
    return `usage: unknown command \`${escapeForTerminal(id)}\`${suggestion ? `: ${suggestion}` : ''} (see \`mdev-policy --help\`)`;
  }
  const first = escapeForTerminal(message.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? message);
  if (e?.oclif !== undefined) return `usage: ${first.charAt(0).toLowerCase()}${first.slice(1)}`;
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) return `file-unreadable: ${first}`;
  return `internal: ${first}\n  hint: this is a bug in mdev-policy; run again with --debug and report the output`;
}

/**
 * The autocomplete plugin's cache directory must be one it can write: the
 * plugin would otherwise loop or say `done` having written nothing. A coded
 * error (exit 2) instead.
 */
function completionCacheWritable(cacheDir: string): void {
  const dir = path.join(cacheDir, 'autocomplete');
  try {
    // Made one level at a time: a recursive mkdir loops for ever where a directory cannot be made (under /proc).
    const missing: string[] = [];
    let at = dir;
    while (!existsSync(at) && path.dirname(at) !== at) {
      missing.unshift(at);
      at = path.dirname(at);
    }
    for (const d of missing) mkdirSync(d);
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw Object.assign(new Error(`cannot write the completion cache \`${dir}\`: ${String((e as Error).message ?? e).replace(/^[A-Z]+: /, '')}`), { code: 'ECACHE' });
  }
}
