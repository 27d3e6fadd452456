#!/usr/bin/env node
// The mdev-policy executable. Its body is src/cli/main.ts, bundled with oclif
// and the commands by the build (`npm run build`, which `npm install` runs as
// `prepare`) into dist/cli.mjs: one import here instead of a few hundred
// files of dependencies to resolve at every start.
import '../dist/cli.mjs';
