// Host normalisation (DESIGN §2.3): a schema-valid Host document becomes the
// typed Host the evaluator reads. Lists written the sysfs way ("5931, 591b")
// become arrays; available_instances an integer; every other attribute a
// string. Every string — type attribute, device attribute, list element —
// loses the trailing newline and whitespace a sysfs file ends in, here and
// only here: every route (a hand-written file, collect, an importer's output,
// an NDJSON line) is loaded through this function, so one host compares the
// same whichever way it came in. Maps are built key by key as own data
// properties: no key can reach a prototype.

import { diagnostic, resultOf, warning, type Diagnostic, type Result } from './errors.js';
import { MAX_ERRORS_PER_DOCUMENT, withMore, type SourceDocument } from './load.js';
import type { AttributeValue, Host, MdevDevice, MdevType, WrittenHost } from './types.js';

/** Attributes whose value is a list, in sysfs written as comma/newline separated text. */
export function isListAttribute(name: string): boolean {
  return name.startsWith('compatible_') || name === 'dynamic_resources';
}

export function splitList(value: string | readonly string[]): string[] {
  const parts = typeof value === 'string' ? value.split(/[,\n]/) : value.flatMap((v) => v.split(/[,\n]/));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/**
 * A string as sysfs means it: without the trailing newline (and whitespace)
 * every attribute file ends in. Leading whitespace and inner newlines are the
 * value's own (a GVT-g description is several lines).
 */
export function trimValue(value: string): string {
  return value.trimEnd();
}

export function normalizeAttribute(name: string, value: string | number | readonly string[]): AttributeValue {
  if (name === 'available_instances') return typeof value === 'number' ? value : Number.parseInt(String(value), 10);
  if (isListAttribute(name)) return splitList(typeof value === 'number' ? String(value) : value);
  if (Array.isArray(value)) return value.map(trimValue).join(', ');
  return trimValue(String(value));
}

/** Facts as trimmed strings; a blank fact is no fact and is left out. */
export function presentFacts(facts: Record<string, string | number> | undefined): Record<string, string> {
  const trimmed = record<string, string | number>(facts ?? {}, (_k, v) => trimValue(String(v)));
  for (const k of Object.keys(trimmed)) if (trimmed[k]!.trim() === '') delete trimmed[k];
  return trimmed;
}

/** A device instance attribute: a string, or a list where the key repeats (mdevctl's attrs), each trimmed like a type attribute. */
export function normalizeDeviceAttribute(value: string | readonly string[]): string | string[] {
  // A blank item of a repeated attribute is no value (as a blank string is none): it is dropped, never claimed.
  return typeof value === 'string' ? trimValue(value) : value.map(trimValue).filter((v) => v.trim() !== '');
}

/**
 * Maps built as plain objects (V8 keeps them in fast mode, which the
 * evaluators read for every candidate), each key an own data property: a
 * `__proto__` key, which the schemas refuse anyway, would be defined, never
 * assigned, so it could not reach the prototype.
 */
function record<V, W>(source: Record<string, W>, map: (key: string, value: W) => V): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k in source) {
    if (!Object.hasOwn(source, k)) continue;
    if (k === '__proto__') Object.defineProperty(out, k, { value: map(k, source[k]!), enumerable: true, writable: true, configurable: true });
    else out[k] = map(k, source[k]!);
  }
  return out;
}

/**
 * Normalise a validated Host document. `doc` supplies positions for warnings.
 * Errors: a device uuid listed twice (under two parents, or in two letter
 * cases): one instance cannot be migrated twice.
 */
export function normalizeHost(written: WrittenHost, doc?: SourceDocument): Result<Host> {
  // Positions are found (a scan of the text each) only for the diagnostics reported: at most
  // MAX_ERRORS_PER_DOCUMENT of each kind, the rest counted, so a host of 10,000 devices stays linear.
  const warnings: Diagnostic[] = [];
  const errors: Diagnostic[] = [];
  let moreWarnings = 0;
  let moreErrors = 0;
  const seen = new Map<string, string>(); // lowercased uuid → parent
  const host: Host = { name: written.metadata.name, facts: presentFacts(written.spec.host), parents: [], devices: [] };
  if (doc) host.file = doc.file;
  for (const [parentId, parent] of Object.entries(written.spec.parents)) {
    const types: MdevType[] = [];
    const typeIds = new Set<string>();
    for (const [typeId, attrs] of Object.entries(parent.types ?? {})) {
      const attributes = record<AttributeValue, string | number | string[]>(attrs, normalizeAttribute);
      types.push({ id: typeId, attributes });
      typeIds.add(typeId);
    }
    host.parents.push({ id: parentId, types, attributes: presentFacts(parent.attributes) });
    for (const [uuid, device] of Object.entries(parent.devices ?? {})) {
      const first = seen.get(uuid.toLowerCase());
      if (first !== undefined) {
        if (errors.length < MAX_ERRORS_PER_DOCUMENT) {
          const where = doc?.locate(['spec', 'parents', parentId, 'devices', uuid], true) ?? {};
          errors.push(diagnostic('duplicate-key', `device \`${uuid}\` is listed twice (also under parent \`${first}\`)`, where, { hint: 'a device uuid names one instance on the host' }));
        } else {
          moreErrors++;
        }
        continue;
      }
      seen.set(uuid.toLowerCase(), parentId);
      const attributes = record<string | string[], string | string[]>(device.attributes ?? {}, (_k, v) => normalizeDeviceAttribute(v));
      const normalized: MdevDevice = { uuid: uuid.toLowerCase(), parent: parentId, type: device.type, attributes };
      host.devices.push(normalized);
      if (!typeIds.has(device.type)) {
        if (warnings.length < MAX_ERRORS_PER_DOCUMENT) {
          warnings.push(
            warning(
              'unknown-type',
              `device \`${uuid}\` has type \`${device.type}\`, which parent \`${parentId}\` does not list: its checks fail closed`,
              doc?.locate(['spec', 'parents', parentId, 'devices', uuid, 'type']) ?? {},
            ),
          );
        } else {
          moreWarnings++;
        }
      }
    }
  }
  return resultOf(host, withMore(errors, moreErrors), withMore(warnings, moreWarnings));
}
