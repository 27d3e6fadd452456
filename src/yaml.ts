// The `yaml` package, loaded on first use: the parts of it the loader calls,
// under the same names, each fetching the package the first time any is
// called. A run that parses no YAML (JSON hosts, the shipped policies read
// from the build's snapshot, --help) never loads it. Synchronous, because
// parsing is: the package is required, not imported. In dist/ (the library)
// this is node's require; the bundled CLI (scripts/build-cli.mjs) rewrites the
// `const require` line to load its own copy with a code cache.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
type Yaml = typeof import('yaml');
let yaml: Yaml | undefined;
const load = (): Yaml => (yaml ??= require('yaml') as Yaml);

export const isAlias = ((node: unknown) => load().isAlias(node)) as Yaml['isAlias'];
export const isCollection = ((node: unknown) => load().isCollection(node)) as Yaml['isCollection'];
export const isMap = ((node: unknown) => load().isMap(node)) as Yaml['isMap'];
export const isPair = ((node: unknown) => load().isPair(node)) as Yaml['isPair'];
export const isScalar = ((node: unknown) => load().isScalar(node)) as Yaml['isScalar'];
export const isSeq = ((node: unknown) => load().isSeq(node)) as Yaml['isSeq'];
export const parseDocument = ((...args: Parameters<Yaml['parseDocument']>) => load().parseDocument(...args)) as Yaml['parseDocument'];
export const visit = ((...args: Parameters<Yaml['visit']>) => load().visit(...args)) as Yaml['visit'];
/** `new LineCounter()`: a constructor that returns the package's own instance. */
export const LineCounter = function LineCounter() {
  return new (load().LineCounter)();
} as unknown as Yaml['LineCounter'];
