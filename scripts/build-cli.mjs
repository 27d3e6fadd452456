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
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(root, 'dist');

// What is loaded on first use with a synchronous require goes through
// `const require = createRequire(import.meta.url);` in its module; in the bundle
// that line is rewritten, since the module no longer sits where it was:
// - src/yaml.ts (the yaml package): require('yaml') loads dist/cli-yaml.vm.js,
//   the package bundled on its own as one script, with the V8 code cache this
//   build saves for it (src/cli/code-cache.ts): parsing two small host files
//   with a cold yaml package was a quarter of a single eval's own time, most
//   of it compiling the parser's functions;
// - src/generated/validators.js (one validator per kind): not bundled at all;
//   require() reads dist/generated/validators-<kind>.cjs when that kind is first
//   validated, so a run compiles only the validators it uses (eval: Host).
// A listed file without the line fails the build, rather than loading
// something from elsewhere unnoticed.
const REQUIRE_LINE = 'const require = createRequire(import.meta.url);';
const LAZY_REQUIRES = {
  'src/yaml.ts': "import { requireCached } from './cli/code-cache.js';\nconst require = (_id: 'yaml') => requireCached(new URL('./cli-yaml.vm.js', import.meta.url));",
  // The chunk holding this module is in dist/, beside dist/generated/.
  'src/generated/validators.js': "const require = createRequire(new URL('./generated/', import.meta.url));",
};
const seen = new Set();
const lazyRequires = {
  name: 'lazy-requires',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.[jt]s$/ }, (args) => {
      const rel = path.relative(root, args.path).split(path.sep).join('/');
      if (!(rel in LAZY_REQUIRES)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes(REQUIRE_LINE)) return { errors: [{ text: `build-cli: ${rel} no longer holds \`${REQUIRE_LINE}\`; update LAZY_REQUIRES` }] };
      seen.add(rel);
      return { contents: text.replace(REQUIRE_LINE, LAZY_REQUIRES[rel]), loader: rel.endsWith('.ts') ? 'ts' : 'js' };
    });
  },
};

for (const name of readdirSync(dist)) if (/^cli[-.].*\.(mjs|vm\.js|vm\.js\.cache)$/.test(name)) rmSync(path.join(dist, name));
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
  // Smaller text to read and compile. Identifiers are not minified, so stack traces (--debug) keep their names.
  minifyWhitespace: true,
  minifySyntax: true,
  // oclif reads a tsconfig with TypeScript only when transpiling sources in development, which the bundle never does (src/cli/main.ts).
  external: ['typescript'],
  // Bundled CommonJS (oclif and its dependencies) may still call require() for what is not bundled: give ESM chunks one.
  banner: { js: "import{createRequire as __mdevCreateRequire}from'node:module';const require=__mdevCreateRequire(import.meta.url);" },
  plugins: [lazyRequires],
  metafile: true,
  logLevel: 'warning',
});
const unseen = Object.keys(LAZY_REQUIRES).filter((f) => !seen.has(f));
if (unseen.length > 0) throw new Error(`build-cli: ${unseen.join(', ')} not in the bundle; update LAZY_REQUIRES`);
const outputs = Object.entries(result.metafile.outputs);
const kib = outputs.reduce((n, [, o]) => n + o.bytes, 0) / 1024;
console.log(`dist/cli.mjs: bundled, ${outputs.length} files, ${kib.toFixed(0)} KiB`);

// dist/cli-yaml.vm.js: the yaml package as one CommonJS script, written as the
// function src/cli/code-cache.ts calls, and its code cache: V8's bytecode for
// the functions that parsing the shipped policies and the examples compiled,
// as src/load.ts parses (same options, positions, visits, toJS). What the
// warm-up did not reach is compiled when first called, as without a cache.
const yamlScript = path.join(dist, 'cli-yaml.vm.js');
const yamlBundle = await build({
  absWorkingDir: root,
  stdin: { contents: "module.exports = require('yaml');", resolveDir: root, loader: 'js' },
  bundle: true,
  write: false,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
writeFileSync(yamlScript, `(function (exports, require, module) {\n${yamlBundle.outputFiles[0].text}\n})`);
const script = new Script(readFileSync(yamlScript, 'utf8'), { filename: yamlScript });
const yamlModule = { exports: {} };
script.runInThisContext()(yamlModule.exports, createRequire(yamlScript), yamlModule);
const yaml = yamlModule.exports;
const samples = ['examples', 'policies', 'policies/vendors'].flatMap((dir) =>
  readdirSync(path.join(root, dir))
    .filter((n) => /\.ya?ml$/.test(n))
    .map((n) => readFileSync(path.join(root, dir, n), 'utf8')),
);
for (const text of samples) {
  const lineCounter = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false, resolveKnownTags: false, schema: 'core', strict: true });
  yaml.visit(doc, { Map: (_k, node) => void node.items.forEach((p) => yaml.isScalar(p.key)) });
  yaml.visit(doc, (_k, node) => void (yaml.isAlias(node) || yaml.isMap(node) || yaml.isSeq(node) || yaml.isPair(node) || yaml.isCollection(node)));
  lineCounter.linePos(text.length >> 1);
  doc.toJS({ maxAliasCount: 100 });
}
writeFileSync(`${yamlScript}.cache`, script.createCachedData());
console.log(`dist/cli-yaml.vm.js: yaml, with a code cache warmed on ${samples.length} documents`);
