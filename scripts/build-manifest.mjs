#!/usr/bin/env node
// Build step: write oclif.manifest.json (what `oclif manifest` writes, without
// that heavy package). With it, oclif lists commands and flags for help and
// `--version` without importing any command, and imports only the one run.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Plugin } from '@oclif/core';

const root = fileURLToPath(new URL('..', import.meta.url));
const plugin = new Plugin({ root, type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true });
await plugin.load();
const ids = Object.keys(plugin.manifest.commands);
if (ids.length === 0) throw new Error('no command found in dist/commands: build first');
writeFileSync(new URL('../oclif.manifest.json', import.meta.url), `${JSON.stringify(plugin.manifest, null, 2)}\n`);
console.log(`oclif.manifest.json: ${ids.sort().join(', ')}`);
