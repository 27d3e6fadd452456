// Loading a CommonJS script that the build bundled and compiled once already:
// V8 reads the bytecode the build saved beside it (`<file>.cache`, see
// scripts/build-cli.mjs) instead of parsing and compiling the functions again
// at every start. Only the bundled CLI uses this (src/yaml.ts there), for code
// that is large, cold and needed synchronously. A cache that is missing, or
// that V8 rejects (another node version, other V8 flags), costs nothing but
// the time saved: the script is compiled from its text as usual.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

type ModuleFunction = (exports: unknown, require: NodeJS.Require, module: { exports: unknown }) => void;

/** The exports of a script written as `(function (exports, require, module) { … })`, compiled with its code cache when V8 accepts it. */
export function requireCached(url: URL): unknown {
  const file = fileURLToPath(url);
  const source = readFileSync(file, 'utf8');
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(`${file}.cache`);
  } catch {
    // No cache: compiled from the text.
  }
  const script = new Script(source, { filename: file, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as unknown };
  (script.runInThisContext() as ModuleFunction)(module.exports, createRequire(file), module);
  return module.exports;
}
