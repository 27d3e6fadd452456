#!/usr/bin/env node
// The mdev-policy executable: hands argv to oclif, which loads only the
// command being run (found through oclif.manifest.json, which the build writes).
import { fileURLToPath } from 'node:url';
import { flush, handle, run } from '@oclif/core';

// The exit code is the answer (0 compatible, 1 not, 2 bad input), so it must
// not depend on whether the output could be written: a reader that left early
// (EPIPE), a stream opened read-only or closed (EBADF). A write that fails is
// lost, never rethrown. oclif swallows EPIPE on stdout only and rethrows every
// other error from an 'error' listener (an uncaught exception, exit 1): its
// listener is replaced, and stderr gets the same treatment.
const lost = () => {};
for (const stream of [process.stdout, process.stderr]) {
  for (const listener of stream.listeners('error')) stream.removeListener('error', listener);
  stream.on('error', lost);
}

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
try {
  await run(process.argv.slice(2), loadOptions);
  await flush();
} catch (error) {
  const { escapeForTerminal } = await import('../dist/terminal.js');
  if (error instanceof Error) {
    const e = /** @type {Error & { suggestions?: unknown }} */ (error);
    e.message = escapeForTerminal(e.message);
    if (Array.isArray(e.suggestions)) e.suggestions = e.suggestions.map((x) => escapeForTerminal(String(x)));
    if (typeof e.stack === 'string') e.stack = e.stack.split('\n').map(escapeForTerminal).join('\n');
  }
  await handle(error);
}
