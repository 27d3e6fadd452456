#!/usr/bin/env node
// Build step (after tsc and the policy snapshot, before the manifest): bundle
// the CLI with esbuild.
//
// Starting the CLI from dist/ unbundled meant resolving and compiling a few
// hundred files of @oclif/core and its dependencies before anything ran (most
// of `--version`'s time); then a command compiled the library's functions
// again at every run. The bundle, all directly in dist/ beside tsc's output
// (so `import.meta.url`-relative paths such as ../policies/ and
// ../dist/shipped-policies.json resolve as they do from dist/*.js):
//   dist/cli.mjs            the executable's body (src/cli/main.ts) with oclif; bin/run.js imports it
//   dist/cli-commands.mjs   what oclif's explicit command strategy loads (package.json
//                           oclif.commands; src/cli/commands-loader.ts): it runs
//   dist/cli-commands.vm.js the command map (src/cli/commands.ts), the library and
//                           what the commands load on first use, as one script
//                           compiled from a V8 code cache made here (.cache beside it)
//   dist/cli-yaml.vm.js     yaml, required on first use (src/yaml.ts), with its code cache
//   dist/generated/validators-<kind>.vm.js  each schema validator, required on first
//                           use of its kind (src/generated/validators.js), with its code cache
//   dist/cli-chunk-*.mjs    what cli.mjs and cli-commands.mjs share (oclif)
// No command is loaded for --version or help (oclif.manifest.json describes them).
// The caches are written here only, never at run time; V8 rejects one made
// by another node version or with other flags, and the script is then compiled
// from its text: slower, never different. The library entry (dist/index.js,
// tsc's output) is not bundled: importers get plain modules and their own
// dependencies.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
// - src/generated/validators.js (one validator per kind): not in the bundle's
//   chunks; require('./validators-<kind>.cjs') loads dist/generated/
//   validators-<kind>.vm.js, that module bundled on its own, with its code cache,
//   when that kind is first validated: a run compiles only the validators it
//   uses (eval with the trusted shipped policies: Host), and not even those.
// A listed file without the line fails the build, rather than loading
// something from elsewhere unnoticed.
const REQUIRE_LINE = 'const require = createRequire(import.meta.url);';
const LAZY_REQUIRES = {
  'src/yaml.ts': "import { requireCached } from './cli/code-cache.js';\nconst require = (_id: 'yaml') => requireCached(new URL('./cli-yaml.vm.js', import.meta.url));",
  // The chunk holding this module is in dist/, above dist/generated/.
  'src/generated/validators.js':
    "import { requireCached } from '../cli/code-cache.js';\nconst require = (id) => requireCached(new URL(id.replace(/\\.cjs$/, '.vm.js'), new URL('./generated/', import.meta.url)));",
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
  entryPoints: { cli: 'src/cli/main.ts', 'cli-commands': 'src/cli/commands-loader.ts' },
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
const outputs = Object.entries(result.metafile.outputs);
const kib = outputs.reduce((n, [, o]) => n + o.bytes, 0) / 1024;
console.log(`dist/cli.mjs: bundled, ${outputs.length} files, ${kib.toFixed(0)} KiB`);

// A CommonJS module bundled as one script, written as the function
// src/cli/code-cache.ts calls; then compiled and run here, `warm` called with
// its exports, and V8's bytecode for what that compiled saved beside it
// (`<file>.cache`). What the warm-up did not reach is compiled when first
// called, as without a cache: the warm-up only decides what is fast.
async function cachedScript(file, entry, warm, provided = {}) {
  const bundled = await build({
    absWorkingDir: root,
    ...entry,
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
  });
  writeFileSync(file, `(function (exports, require, module, __mdevImportMetaUrl) {\n${bundled.outputFiles[0].text}\n})`);
  const script = new Script(readFileSync(file, 'utf8'), { filename: file });
  const module = { exports: {} };
  const nodeRequire = createRequire(file);
  const require = (id) => (Object.hasOwn(provided, id) ? provided[id] : nodeRequire(id));
  script.runInThisContext()(module.exports, require, module, pathToFileURL(file).href);
  await warm(module.exports);
  writeFileSync(`${file}.cache`, script.createCachedData());
}

// The documents that warm the caches: the shipped policies, overlays and test suites, and the examples.
const samples = ['examples', 'policies', 'policies/vendors'].flatMap((dir) =>
  readdirSync(path.join(root, dir))
    .filter((n) => /\.ya?ml$/.test(n))
    .map((n) => readFileSync(path.join(root, dir, n), 'utf8')),
);

// dist/cli-yaml.vm.js: the yaml package, warmed by parsing the samples as
// src/load.ts parses (same options, positions, visits, toJS).
let yaml;
await cachedScript(path.join(dist, 'cli-yaml.vm.js'), { stdin: { contents: "module.exports = require('yaml');", resolveDir: root, loader: 'js' } }, (y) => {
  yaml = y;
  for (const text of samples) {
    const lineCounter = new y.LineCounter();
    const doc = y.parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false, resolveKnownTags: false, schema: 'core', strict: true });
    y.visit(doc, { Map: (_k, node) => void node.items.forEach((p) => y.isScalar(p.key)) });
    y.visit(doc, (_k, node) => void (y.isAlias(node) || y.isMap(node) || y.isSeq(node) || y.isPair(node) || y.isCollection(node)));
    lineCounter.linePos(text.length >> 1);
    doc.toJS({ maxAliasCount: 100 });
  }
});

// dist/generated/validators-<kind>.vm.js (ajv's runtime helpers bundled in),
// each warmed by validating the samples of its kind.
const documents = samples.map((text) => yaml.parse(text));
const generated = path.join(dist, 'generated');
const kinds = readdirSync(generated).filter((n) => /^validators-[a-z]+\.cjs$/.test(n));
for (const name of kinds) {
  await cachedScript(path.join(generated, name.replace(/\.cjs$/, '.vm.js')), { entryPoints: [path.join(generated, name)] }, (exports) => {
    const validate = Object.values(exports)[0];
    for (const doc of documents) if (`validators-${String(doc?.kind).toLowerCase()}.cjs` === name) validate(doc);
  });
}
console.log(`dist/cli-yaml.vm.js and ${kinds.length} validators: code caches warmed on ${samples.length} documents`);

// dist/cli-commands.vm.js: the command map (src/cli/commands.ts) with the
// library and all the commands load (json-rules-engine, the importers),
// sharing the ESM bundle's oclif (src/cli/commands-loader.ts); import.meta.url
// is the script's own URL, in dist/ like tsc's modules. Warmed by running
// eval, in text and JSON, on the examples, and on the example inventory as
// NDJSON (the fleet path).
const oclif = await import('@oclif/core');
await cachedScript(
  path.join(dist, 'cli-commands.vm.js'),
  {
    stdin: { contents: "export { COMMANDS } from './src/cli/commands.ts';", resolveDir: root, loader: 'ts' },
    external: ['@oclif/core', 'typescript'],
    define: { 'import.meta.url': '__mdevImportMetaUrl' },
    plugins: [lazyRequires],
  },
  async ({ COMMANDS }) => {
    const config = await oclif.Config.load({ root, userPlugins: false, devPlugins: false });
    const saved = { out: process.stdout.write, err: process.stderr.write, exitCode: process.exitCode };
    process.stdout.write = process.stderr.write = (_chunk, ...rest) => {
      rest.find((x) => typeof x === 'function')?.();
      return true;
    };
    try {
      const pair = ['-s', path.join(root, 'examples/host-a.yaml'), '-d', path.join(root, 'examples/host-b.yaml')];
      await COMMANDS.eval.run(pair, config);
      await COMMANDS.eval.run([...pair, '--format', 'json'], config);
      // The fleet path: an NDJSON inventory streamed (its functions are what a fleet run compiles first).
      await COMMANDS.eval.run(['-s', path.join(root, 'examples/host-a.yaml'), '-d', path.join(root, 'examples/fleet.ndjson'), '--format', 'ndjson'], config);
    } finally {
      process.stdout.write = saved.out;
      process.stderr.write = saved.err;
      process.exitCode = saved.exitCode;
    }
  },
  { '@oclif/core': oclif },
);
const unseen = Object.keys(LAZY_REQUIRES).filter((f) => !seen.has(f));
if (unseen.length > 0) throw new Error(`build-cli: ${unseen.join(', ')} not in the bundle; update LAZY_REQUIRES`);
console.log('dist/cli-commands.vm.js: the commands and the library, with a code cache warmed by three evals');
