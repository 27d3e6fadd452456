#!/usr/bin/env node
// Build step (after tsc, before the manifest): bundle the CLI with esbuild.
//
// Starting the CLI from dist/ unbundled meant resolving and compiling a few
// hundred files of @oclif/core and its dependencies before anything ran (most
// of `--version`'s time). The bundle is two entry points and the chunks they
// share, all directly in dist/ beside tsc's output (so `import.meta.url`-relative
// paths such as ../policies/ and ../dist/shipped-policies.json resolve as they
// do from dist/*.js):
//   dist/cli.mjs           the executable's body (src/cli/main.ts); bin/run.js imports it
//   dist/cli-commands.mjs  the command map (src/cli/commands.ts) that oclif's
//                          explicit command strategy loads (package.json oclif.commands)
//   dist/cli-chunk-*.mjs   code they share, and what commands import on first use
//                          (the library, json-rules-engine, the importers): `await
//                          import()` stays a separate chunk, loaded only when reached.
// The library entry (dist/index.js, tsc's output) is not bundled: importers get
// plain modules and their own dependencies.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(root, 'dist');

// `yaml` is loaded on first use with a synchronous require (src/yaml.ts). esbuild
// bundles a plain `require('yaml')` as a lazily initialised module, but not a
// require made by createRequire; so in the bundle that one expression is
// written as a plain require. The text is checked: if src/yaml.ts changes it,
// the build fails rather than loading yaml from node_modules unnoticed.
const LAZY_REQUIRES = { 'src/yaml.ts': ["createRequire(import.meta.url)('yaml')", "require('yaml')"] };
const lazyRequires = {
  name: 'lazy-requires',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const rel = path.relative(root, args.path).split(path.sep).join('/');
      const swap = LAZY_REQUIRES[rel];
      if (!swap) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(swap[0])) return { errors: [{ text: `build-cli: ${rel} no longer holds ${swap[0]}; update LAZY_REQUIRES` }] };
      return { contents: text.replace(swap[0], swap[1]), loader: 'ts' };
    });
  },
};

for (const name of readdirSync(dist)) if (/^cli[-.].*\.mjs$/.test(name)) rmSync(path.join(dist, name));
const result = await build({
  absWorkingDir: root,
  entryPoints: { cli: 'src/cli/main.ts', 'cli-commands': 'src/cli/commands.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'cli-chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Smaller text to read and compile; names kept for stack traces (--debug).
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  // oclif reads a tsconfig with TypeScript only when transpiling sources in development, which the bundle never does (src/cli/main.ts).
  external: ['typescript'],
  // Bundled CommonJS (oclif and its dependencies) may still call require() for what is not bundled: give ESM chunks one.
  banner: { js: "import{createRequire as __mdevCreateRequire}from'node:module';const require=__mdevCreateRequire(import.meta.url);" },
  plugins: [lazyRequires],
  metafile: true,
  logLevel: 'warning',
});
const outputs = Object.entries(result.metafile.outputs);
const kib = outputs.reduce((n, [, o]) => n + o.bytes, 0) / 1024;
console.log(`dist/cli.mjs: bundled, ${outputs.length} files, ${kib.toFixed(0)} KiB`);
