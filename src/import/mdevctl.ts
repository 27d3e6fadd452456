// Import: the JSON mdevctl prints — `mdevctl types --dumpjson`
// ([{parent: [{type: {available_instances, device_api, name?, description?}}]}]),
// `mdevctl list --dumpjson [--defined]` ([{parent: [{uuid: {mdev_type, start, attrs?}}]}])
// and a lone persistent config ({mdev_type, start, attrs}, given --parent and
// --uuid) — into one Host. The shape is detected per file; a wrong shape is an
// error naming the file, its position and the JSON path. A key named
// `__proto__`, `constructor` or `prototype` anywhere in a file is an error
// too, even where a field is otherwise ignored (`start`, unknown fields):
// mdevctl never writes one, and such a file is not what it claims to be.
// (Nesting depth is bounded when the file is parsed: input-too-large.)

import { diagnostic, quote, type Diagnostic } from '../errors.js';
import type { SourceDocument } from '../load.js';
import { badName, badUuid, HostBuilder } from './host-builder.js';

export interface MdevctlOptions {
  /** For a lone config object: its parent and uuid. */
  parent?: string;
  uuid?: string;
}

type Path = (string | number)[];

const jsonPath = (p: Path) => `$${p.map((s) => (typeof s === 'number' ? `[${s}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`)).join('')}`;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The paths of every reserved key in the document (iterative; the loader has bounded the depth). */
function reservedKeys(data: unknown): Path[] {
  const found: Path[] = [];
  const stack: [unknown, Path][] = [[data, []]];
  while (stack.length > 0) {
    const [v, at] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    for (const [k, x] of entries) {
      if (typeof k === 'string' && RESERVED_KEYS.has(k)) found.push([...at, k]);
      else stack.push([x, [...at, k]]);
    }
  }
  return found;
}

/** Add one mdevctl JSON document to the builder; errors name the JSON path. */
export function importMdevctl(doc: SourceDocument, into: HostBuilder, options: MdevctlOptions = {}): Diagnostic[] {
  const errors: Diagnostic[] = [];
  const bad = (p: Path, what: string) => {
    errors.push(diagnostic('schema-violation', `${jsonPath(p)}: ${what}`, doc.locate(p), { hint: 'expected the JSON of `mdevctl types --dumpjson` or `mdevctl list --dumpjson`' }));
  };
  const data = doc.data;
  const reserved = reservedKeys(data);
  if (reserved.length > 0) {
    for (const p of reserved) bad(p, badName(String(p[p.length - 1]))!);
    return errors;
  }
  if (isObject(data) && 'mdev_type' in data) {
    if (!options.parent || !options.uuid) {
      errors.push(diagnostic('usage', 'a lone mdevctl config needs --parent and --uuid', doc.locate([]), { hint: 'configs live at /etc/mdevctl.d/<parent>/<uuid>' }));
      return errors;
    }
    const problem = badName(options.parent) ?? badUuid(options.uuid);
    if (problem) {
      errors.push(diagnostic('usage', `--parent/--uuid: ${problem}`, doc.locate([])));
      return errors;
    }
    const device = readDevice(data, [], bad);
    if (device && !into.addDevice(options.parent, options.uuid.toLowerCase(), device.type, device.attrs)) bad([], `device \`${options.uuid}\` is listed twice`);
    return errors;
  }
  if (!Array.isArray(data)) {
    bad([], 'expected a list of parents');
    return errors;
  }
  data.forEach((entry, i) => {
    if (!isObject(entry)) return bad([i], 'expected an object mapping a parent to its list');
    for (const [parent, items] of Object.entries(entry)) {
      const parentProblem = badName(parent);
      if (parentProblem) {
        bad([i, parent], parentProblem);
        continue;
      }
      if (!Array.isArray(items)) {
        bad([i, parent], 'expected a list');
        continue;
      }
      items.forEach((item, j) => {
        if (!isObject(item)) return bad([i, parent, j], 'expected an object mapping one type id or uuid to its fields');
        for (const [key, value] of Object.entries(item)) {
          const at: Path = [i, parent, j, key];
          if (!isObject(value)) {
            bad(at, 'expected an object');
            continue;
          }
          if ('mdev_type' in value) {
            const problem = badUuid(key);
            if (problem) {
              bad(at, problem);
              continue;
            }
            const device = readDevice(value, at, bad);
            if (device && !into.addDevice(parent, key.toLowerCase(), device.type, device.attrs)) {
              errors.push(diagnostic('duplicate-key', `${jsonPath(at)}: device \`${key}\` is listed twice`, doc.locate(at, true), { hint: 'a device uuid names one instance on the host' }));
            }
          } else if ('device_api' in value || 'available_instances' in value) {
            const problem = badName(key);
            if (problem) {
              bad(at, problem);
              continue;
            }
            const attrs: [string, string | number][] = [];
            for (const [k, v] of Object.entries(value)) {
              const nameProblem = badName(k);
              if (nameProblem) {
                bad([...at, k], nameProblem);
              } else if (k === 'available_instances') {
                if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) bad([...at, k], `expected a count (a whole number), found ${JSON.stringify(v)}`);
                else attrs.push([k, v]);
              } else if (typeof v === 'string') {
                attrs.push([k, v]);
              } else if (v !== null) {
                bad([...at, k], `expected a string, found ${quote(v)}`);
              }
            }
            into.addType(parent, key, attrs);
          } else {
            bad(at, 'neither a type (device_api, available_instances) nor a device (mdev_type)');
          }
        }
      });
    }
  });
  return errors;
}

function readDevice(value: Record<string, unknown>, at: Path, bad: (p: Path, what: string) => void): { type: string; attrs: [string, string][] } | undefined {
  if (typeof value.mdev_type !== 'string' || value.mdev_type === '') {
    bad([...at, 'mdev_type'], 'expected the type id as a string');
    return undefined;
  }
  const typeProblem = badName(value.mdev_type);
  if (typeProblem) {
    bad([...at, 'mdev_type'], typeProblem);
    return undefined;
  }
  const attrs: [string, string][] = [];
  if (value.attrs !== undefined) {
    if (!Array.isArray(value.attrs)) {
      bad([...at, 'attrs'], 'expected a list of one-key objects');
      return undefined;
    }
    value.attrs.forEach((a, k) => {
      if (!isObject(a) || Object.keys(a).length !== 1) return bad([...at, 'attrs', k], 'expected an object with one key');
      const [name, v] = Object.entries(a)[0]!;
      const nameProblem = badName(name);
      if (nameProblem) return bad([...at, 'attrs', k, name], nameProblem);
      if (typeof v !== 'string' && typeof v !== 'number') return bad([...at, 'attrs', k, name], `expected a string, found ${quote(v)}`);
      attrs.push([name, String(v)]);
    });
  }
  return { type: value.mdev_type, attrs };
}
