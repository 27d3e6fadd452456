// Host documents from what users already have: sysfs (collect), mdevctl JSON
// and libvirt node-device XML (import), each a Result of the document built
// through HostBuilder, with the facts of any --facts files merged last
// (./facts.ts). Each ends the same way: the document is checked against the
// Host schema (checkProducedHost) before anyone prints it. `nvidia-smi -q -x`
// gives no Host but a Facts document, for --facts.

import { stringify } from 'yaml';
import { diagnostic, failed, resultOf, type Diagnostic, type Result } from '../errors.js';
import { DEFAULT_LIMITS, parseJsonDocument, readText, type LoadLimits } from '../load.js';
import { hostFromDocument } from '../inputs.js';
import type { WrittenFacts, WrittenHost } from '../types.js';
import { checkProducedFacts, FactsBuilder, mergeFacts, type FactsSource } from './facts.js';
import { HostBuilder } from './host-builder.js';
import { importLibvirt } from './libvirt.js';
import { importMdevctl, type MdevctlOptions } from './mdevctl.js';
import { importNvidiaSmi } from './nvidia-smi.js';

/** Check a produced Host document the way `eval` will read it. */
export function checkProducedHost(host: WrittenHost, origin: string): Result<WrittenHost> {
  const text = JSON.stringify(host);
  const parsed = hostFromDocument({ file: origin, data: JSON.parse(text), locate: () => ({ file: origin }), sourceText: () => undefined });
  const errors = parsed.errors.map((e) => diagnostic(e.code, `the host produced is not valid: ${e.message}`, { file: origin }));
  return resultOf(host, errors, parsed.warnings);
}

/** The host built, with the facts given merged last, checked; or the importers' errors. */
function finish(builder: HostBuilder, name: string, origin: string, errors: Diagnostic[], facts: readonly FactsSource[]): Result<WrittenHost> {
  if (errors.length > 0) return failed(errors);
  const merged = mergeFacts(builder, facts);
  const checked = checkProducedHost(builder.build(name), origin);
  return { ...checked, warnings: [...merged, ...checked.warnings] };
}

export async function importMdevctlFiles(
  files: readonly string[],
  name: string,
  options: MdevctlOptions = {},
  limits: LoadLimits = DEFAULT_LIMITS,
  facts: readonly FactsSource[] = [],
): Promise<Result<WrittenHost>> {
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
  return finish(builder, name, files[0] ?? 'mdevctl', errors, facts);
}

export async function importLibvirtFiles(files: readonly string[], name: string, limits: LoadLimits = DEFAULT_LIMITS, facts: readonly FactsSource[] = []): Promise<Result<WrittenHost>> {
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
  return finish(builder, name, files[0] ?? 'libvirt', errors, facts);
}

/** A Facts document from `nvidia-smi -q -x` files of one host (one for all GPUs, or one per GPU). */
export async function importNvidiaSmiFiles(files: readonly string[], name: string, limits: LoadLimits = DEFAULT_LIMITS): Promise<Result<WrittenFacts>> {
  const builder = new FactsBuilder();
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  for (const file of files) {
    const read = await readText(file, limits);
    if (!read.ok) {
      errors.push(...read.errors);
      continue;
    }
    const r = importNvidiaSmi(read.value, file, builder, limits.maxDepth);
    errors.push(...r.errors);
    warnings.push(...r.warnings);
  }
  if (errors.length > 0) return failed(errors, warnings);
  const checked = checkProducedFacts(builder.build(name), files[0] ?? 'nvidia-smi');
  return { ...checked, warnings: [...warnings, ...checked.warnings] };
}

/** A Facts document as YAML (with a schema modeline) or JSON. */
export function renderFacts(facts: WrittenFacts, format: 'yaml' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(facts, null, 2)}\n`;
  return `# yaml-language-server: $schema=https://mdev-policy.dev/schemas/v1/facts.schema.json\n${stringify(facts, { lineWidth: 0 })}`;
}

/** A Host document as YAML (with a schema modeline), JSON, or one NDJSON line (to append to an inventory). */
export function renderHost(host: WrittenHost, format: 'yaml' | 'json' | 'ndjson'): string {
  if (format === 'json') return `${JSON.stringify(host, null, 2)}\n`;
  if (format === 'ndjson') return `${JSON.stringify(host)}\n`;
  return `# yaml-language-server: $schema=https://mdev-policy.dev/schemas/v1/host.schema.json\n${stringify(host, { lineWidth: 0 })}`;
}
