// Host documents from what users already have: sysfs (collect), mdevctl JSON
// and libvirt node-device XML (import), each a Result of the document built
// through HostBuilder. Each ends the same way: the document is checked against
// the Host schema (checkProducedHost) before anyone prints it.

import { stringify } from 'yaml';
import { diagnostic, failed, resultOf, type Diagnostic, type Result } from '../errors.js';
import { DEFAULT_LIMITS, parseJsonDocument, readText, type LoadLimits } from '../load.js';
import { hostFromDocument } from '../inputs.js';
import type { WrittenHost } from '../types.js';
import { HostBuilder } from './host-builder.js';
import { importLibvirt } from './libvirt.js';
import { importMdevctl, type MdevctlOptions } from './mdevctl.js';

/** Check a produced Host document the way `eval` will read it. */
export function checkProducedHost(host: WrittenHost, origin: string): Result<WrittenHost> {
  const text = JSON.stringify(host);
  const parsed = hostFromDocument({ file: origin, data: JSON.parse(text), locate: () => ({ file: origin }), sourceText: () => undefined });
  const errors = parsed.errors.map((e) => diagnostic(e.code, `the host produced is not valid: ${e.message}`, { file: origin }));
  return resultOf(host, errors, parsed.warnings);
}

export async function importMdevctlFiles(files: readonly string[], name: string, options: MdevctlOptions = {}, limits: LoadLimits = DEFAULT_LIMITS): Promise<Result<WrittenHost>> {
  const builder = new HostBuilder();
  const errors: Diagnostic[] = [];
  for (const file of files) {
    const read = await readText(file, limits);
    const loaded = read.ok ? parseJsonDocument(read.value, file, limits) : read;
    if (!loaded.ok) {
      errors.push(...loaded.errors);
      continue;
    }
    errors.push(...importMdevctl(loaded.value, builder, options));
  }
  if (errors.length > 0) return failed(errors);
  return checkProducedHost(builder.build(name), files[0] ?? 'mdevctl');
}

export async function importLibvirtFiles(files: readonly string[], name: string, limits: LoadLimits = DEFAULT_LIMITS): Promise<Result<WrittenHost>> {
  const builder = new HostBuilder();
  const errors: Diagnostic[] = [];
  for (const file of files) {
    const read = await readText(file, limits);
    if (!read.ok) {
      errors.push(...read.errors);
      continue;
    }
    errors.push(...importLibvirt(read.value, file, builder, limits.maxDepth));
  }
  if (errors.length > 0) return failed(errors);
  return checkProducedHost(builder.build(name), files[0] ?? 'libvirt');
}

/** A Host document as YAML (with a schema modeline), JSON, or one NDJSON line (to append to an inventory). */
export function renderHost(host: WrittenHost, format: 'yaml' | 'json' | 'ndjson'): string {
  if (format === 'json') return `${JSON.stringify(host, null, 2)}\n`;
  if (format === 'ndjson') return `${JSON.stringify(host)}\n`;
  return `# yaml-language-server: $schema=https://mdev-policy.dev/schemas/v1/host.schema.json\n${stringify(host, { lineWidth: 0 })}`;
}
