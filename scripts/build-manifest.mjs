#!/usr/bin/env node
// Build step: write oclif.manifest.json (what `oclif manifest` writes, without
// that heavy package). With it, oclif lists commands and flags for help and
// `--version` without importing any command. The commands come from the
// explicit command map (package.json oclif.commands: src/cli/commands.ts,
// bundled as dist/cli-commands.mjs by scripts/build-cli.mjs), which must name
// every command file under src/commands/ by its id: checked here.
import { readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Plugin } from '@oclif/core';

const root = fileURLToPath(new URL('..', import.meta.url));
const plugin = new Plugin({ root, type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true });
await plugin.load();
const ids = Object.keys(plugin.manifest.commands);
if (ids.length === 0) throw new Error('no command found in dist/cli-commands.mjs: build first');
const files = readdirSync(new URL('../src/commands/', import.meta.url), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, '').split(/[\\/]/).join(':'));
const unlisted = files.filter((id) => !ids.includes(id));
const strays = ids.filter((id) => !files.includes(id));
if (unlisted.length > 0 || strays.length > 0) {
  throw new Error(`src/cli/commands.ts and src/commands/ disagree: ${[...unlisted.map((id) => `${id} is not in the command map`), ...strays.map((id) => `${id} has no file under src/commands/`)].join('; ')}`);
}
writeFileSync(new URL('../oclif.manifest.json', import.meta.url), `${JSON.stringify(plugin.manifest, null, 2)}\n`);
console.log(`oclif.manifest.json: ${ids.sort().join(', ')}`);
