// The mdev-policy executable's body, bundled with oclif into dist/cli.mjs
// (scripts/build-cli.mjs); bin/run.js only imports that. oclif finds the
// commands through oclif.manifest.json (help, --version and topics import no
// command) and, for the one run, the explicit command map (src/cli/commands.ts,
// bundled as dist/cli-commands.mjs).
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

// What oclif's execute() does, with one step more: an error oclif reports
// itself (an unknown command, before any command runs) quotes argv, so its
// text is escaped for the terminal like every other input. Commands report
// their own errors (BaseCommand.catch).
// An unknown command is a usage error like any other: one line, a suggestion, exit 2 (oclif's own reads `Error: command … not found`).
let config: Config | undefined;
try {
  config = await Config.load(loadOptions);
  await run(process.argv.slice(2), config);
  await flush();
} catch (error) {
  const unknown = /^command (\S+) not found$/.exec(error instanceof Error ? error.message : '');
  if (unknown && config) {
    // oclif joins the words (arguments too) into one id: the unknown command is the first word, or a topic and the word after it.
    const words = unknown[1]!.split(':');
    const topics = config.topics.map((t) => t.name.replace(/:/g, ' '));
    const id = words.slice(0, topics.includes(words[0]!) ? 2 : 1).join(' ');
    const names = [...config.commands.filter((c) => !c.hidden).map((c) => c.id.replace(/:/g, ' ')), ...topics];
    const suggestion = didYouMean(id, names);
    process.stderr.write(`usage: unknown command \`${escapeForTerminal(id)}\`${suggestion ? `: ${suggestion}` : ''} (see \`mdev-policy --help\`)\n`);
    process.exitCode = 2;
  } else await report(error);
}

async function report(error: unknown): Promise<void> {
  if (error instanceof Error) {
    const e = error as Error & { suggestions?: unknown };
    e.message = escapeForTerminal(e.message);
    if (Array.isArray(e.suggestions)) e.suggestions = e.suggestions.map((x) => escapeForTerminal(String(x)));
    if (typeof e.stack === 'string') e.stack = e.stack.split('\n').map(escapeForTerminal).join('\n');
  }
  await handle(error as Error);
}
