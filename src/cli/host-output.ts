// Printing a produced Host document (collect, import): the document on
// stdout, warnings and errors on stderr, exit 2 when there were errors.
import type { Diagnostic } from '../errors.js';
import type { WrittenHost } from '../types.js';

export async function printHost(result: { host?: WrittenHost; errors: Diagnostic[]; warnings: Diagnostic[] }, format: string): Promise<void> {
  const lib = await import('../index.js');
  const { renderHost } = await import('../import/index.js');
  process.stderr.write(lib.renderDiagnostics([...result.errors, ...result.warnings]));
  if (!result.host || result.errors.length > 0) {
    process.exitCode = 2;
    return;
  }
  process.stdout.write(renderHost(result.host, format === 'json' || format === 'ndjson' ? format : 'yaml'));
}
