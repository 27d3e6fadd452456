// Printing a produced Host document (collect, import): the document on
// stdout, warnings and errors on stderr, exit 2 when there were errors.
import type { Result } from '../errors.js';
import type { WrittenHost } from '../types.js';

export async function printHost(result: Result<WrittenHost>, format: string): Promise<void> {
  const lib = await import('../index.js');
  const { renderHost } = await import('../import/index.js');
  process.stderr.write(lib.renderDiagnostics([...result.errors, ...result.warnings]));
  if (!result.ok) {
    process.exitCode = 2;
    return;
  }
  process.stdout.write(renderHost(result.value, format === 'json' || format === 'ndjson' ? format : 'yaml'));
}
