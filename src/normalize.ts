// Host normalisation (DESIGN §2.3): a schema-valid Host document becomes the
// typed Host the evaluator reads. Lists written the sysfs way ("5931, 591b")
// become arrays; available_instances an integer; every other attribute a
// string. Maps are built with Object.fromEntries, so no key can reach a prototype.

import { diagnostic, warning, type Diagnostic } from './errors.js';
import type { SourceDocument } from './load.js';
import type { AttributeValue, Host, MdevDevice, MdevType, WrittenHost } from './types.js';

/** Attributes whose value is a list, in sysfs written as comma/newline separated text. */
export function isListAttribute(name: string): boolean {
  return name.startsWith('compatible_') || name === 'dynamic_resources';
}

export function splitList(value: string | readonly string[]): string[] {
  const parts = typeof value === 'string' ? value.split(/[,\n]/) : value.flatMap((v) => v.split(/[,\n]/));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

export function normalizeAttribute(name: string, value: string | number | readonly string[]): AttributeValue {
  if (name === 'available_instances') return typeof value === 'number' ? value : Number.parseInt(String(value), 10);
  if (isListAttribute(name)) return splitList(typeof value === 'number' ? String(value) : value);
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

/**
 * Maps built with Object.fromEntries: every key becomes an own data property
 * (a `__proto__` key could never reach the prototype, though the schemas
 * refuse it anyway), and V8 keeps such small objects in fast mode, which the
 * evaluators read for every candidate.
 */
function record<V>(entries: Iterable<readonly [string, V]>): Record<string, V> {
  return Object.fromEntries(entries) as Record<string, V>;
}

export interface Normalized {
  host: Host;
  /** A device uuid listed twice (under two parents, or in two letter cases): one instance cannot be migrated twice. */
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

/** Normalise a validated Host document. `doc` supplies positions for warnings. */
export function normalizeHost(written: WrittenHost, doc?: SourceDocument): Normalized {
  const warnings: Diagnostic[] = [];
  const errors: Diagnostic[] = [];
  const seen = new Map<string, string>(); // lowercased uuid → parent
  const host: Host = { name: written.metadata.name, parents: [], devices: [] };
  if (doc) host.file = doc.file;
  for (const [parentId, parent] of Object.entries(written.spec.parents)) {
    const types: MdevType[] = [];
    for (const [typeId, attrs] of Object.entries(parent.types ?? {})) {
      const attributes = record<AttributeValue>(Object.entries(attrs).map(([k, v]) => [k, normalizeAttribute(k, v)] as const));
      types.push({ id: typeId, attributes });
    }
    host.parents.push({ id: parentId, types });
    for (const [uuid, device] of Object.entries(parent.devices ?? {})) {
      const where = doc?.locate(['spec', 'parents', parentId, 'devices', uuid], true) ?? {};
      const first = seen.get(uuid.toLowerCase());
      if (first !== undefined) {
        errors.push(diagnostic('duplicate-key', `device \`${uuid}\` is listed twice (also under parent \`${first}\`)`, where, { hint: 'a device uuid names one instance on the host' }));
        continue;
      }
      seen.set(uuid.toLowerCase(), parentId);
      const attributes = record<string | string[]>(Object.entries(device.attributes ?? {}).map(([k, v]) => [k, Array.isArray(v) ? [...v] : v] as const));
      const normalized: MdevDevice = { uuid: uuid.toLowerCase(), parent: parentId, type: device.type, attributes };
      host.devices.push(normalized);
      if (!types.some((t) => t.id === device.type)) {
        warnings.push(
          warning(
            'unknown-type',
            `device \`${uuid}\` has type \`${device.type}\`, which parent \`${parentId}\` does not list: its checks fail closed`,
            doc?.locate(['spec', 'parents', parentId, 'devices', uuid, 'type']) ?? {},
          ),
        );
      }
    }
  }
  return { host, errors, warnings };
}
