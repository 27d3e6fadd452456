#!/usr/bin/env node
// The mdev-policy executable: hands argv to oclif, which loads only the
// command being run (found through oclif.manifest.json, which the build writes).
import { fileURLToPath } from 'node:url';
import { execute } from '@oclif/core';

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
await execute({ loadOptions: { root: fileURLToPath(import.meta.url), userPlugins: false, devPlugins: false } });
