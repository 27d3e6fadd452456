#!/usr/bin/env node
// The mdev-policy executable: hands argv to oclif, which loads only the
// command being run (found through oclif.manifest.json, which the build writes).
import { fileURLToPath } from 'node:url';
import { execute } from '@oclif/core';

// Only the plugins this package declares: no user plugins (installed or linked
// under ~/.local/share/mdev-policy, $XDG_DATA_HOME/mdev-policy or
// $MDEV_POLICY_DATA_DIR) and no dev plugins. oclif would otherwise import them
// and run their init hooks before every command: code from a user-writable
// path, in a tool run as root.
await execute({ loadOptions: { root: fileURLToPath(import.meta.url), userPlugins: false, devPlugins: false } });
