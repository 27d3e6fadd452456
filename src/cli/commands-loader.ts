// The module oclif's explicit command strategy loads in the bundled CLI
// (dist/cli-commands.mjs, see scripts/build-cli.mjs): the command map, with the
// library and everything the commands load, is one script bundled beside it
// (dist/cli-commands.vm.js) and compiled from the V8 code cache the build made
// by running an eval with it, so a command's first run does not parse and
// compile the library's functions again. It shares this bundle's oclif.
import * as oclif from '@oclif/core';
import { requireCached } from './code-cache.js';

const loaded = requireCached(new URL('./cli-commands.vm.js', import.meta.url), { '@oclif/core': oclif }) as typeof import('./commands.js');

export const COMMANDS = loaded.COMMANDS;
