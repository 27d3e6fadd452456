// Loading a CommonJS script that the build bundled and compiled once already:
// V8 reads the bytecode the build saved beside it (`<file>.cache`, see
// scripts/build-cli.mjs) instead of parsing and compiling the functions again
// at every start. Only the bundled CLI uses this (the commands and the library,
// yaml, the schema validators), for code that is large and cold. A cache that is missing, or
// that V8 rejects (another node version, other V8 flags), costs nothing but
// the time saved: the script is compiled from its text as usual. V8 checks a
// cache against its script's length only, so a cache older than its script
// (the script edited in place since the build) is not used either.
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

type ModuleFunction = (exports: unknown, require: (id: string) => unknown, module: { exports: unknown }, importMetaUrl: string) => void;

/**
 * The exports of a script written as `(function (exports, require, module,
 * importMetaUrl) { … })`, compiled with its code cache when V8 accepts it.
 * Its require() is node's, from the script's place, except for the modules
 * `provided` (what it shares with the code loading it); importMetaUrl is the
 * script's own URL.
 */
export function requireCached(url: URL, provided: Record<string, unknown> = {}): unknown {
  const file = fileURLToPath(url);
  const source = readFileSync(file, 'utf8');
  let cachedData: Buffer | undefined;
  try {
    if (statSync(`${file}.cache`).mtimeMs >= statSync(file).mtimeMs) cachedData = readFileSync(`${file}.cache`);
  } catch {
    // No cache: compiled from the text.
  }
  const script = new Script(source, { filename: file, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as unknown };
  const nodeRequire = createRequire(file);
  const require = (id: string): unknown => (Object.hasOwn(provided, id) ? provided[id] : nodeRequire(id));
  (script.runInThisContext() as ModuleFunction)(module.exports, require, module, url.href);
  return module.exports;
}
