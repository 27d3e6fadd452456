// Collect: a Host document from a sysfs tree (DESIGN §3, §8). Reads
// <root>/sys/class/mdev_bus/<parent>/mdev_supported_types/<type>/ and
// <root>/sys/bus/mdev/devices/<uuid>/ as the kernel lays them out (class and
// bus entries are links into sys/devices/…). Safety: every path is resolved
// and must stay below the root (a link out of it is skipped with a warning,
// never read); link cycles end in ELOOP or a visited set; attribute files are
// read through the loader's bounded reader; write-only files (`create`,
// `remove`, vfio-ap's `assign_*`: no read bit, a write bit) and anything that
// is not a regular file (FIFOs, sockets) are never opened. A vfio-ap device's
// write-only assign_* attributes are derived from what the kernel shows, its
// `matrix` and `control_domains` (see import/vfio-ap.ts), which are kept too. The document is built by the importers' HostBuilder, never by
// assigning into plain objects: a name the Host schema refuses (`__proto__`,
// `constructor`, `prototype`) is skipped with a warning, `toString` is kept.
// Unreadable files and refused names are warnings: collection carries on.

import { readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { diagnostic, failed, ok, warning, type Diagnostic, type ErrorCode, type Result } from './errors.js';
import { decodeUtf8, readBounded, systemMessage } from './load.js';
import { badName, badUuid, HostBuilder } from './import/host-builder.js';
import { AP_ASSIGN_ATTRIBUTES, apAssignments } from './import/vfio-ap.js';
import type { WrittenHost } from './types.js';

export interface CollectOptions {
  root: string;
  name: string;
  /** Largest attribute file read, in bytes; longer ones are skipped with a warning. */
  maxFileBytes?: number;
  /** Timestamp for metadata.collectedAt (tests pin it). */
  now?: Date;
}

/** Files of a type directory that are never attributes. */
const TYPE_SKIP = new Set(['create', 'devices', 'uevent', 'power']);
/** Files and links of a device directory that are never instance attributes. */
const DEVICE_SKIP = new Set(['remove', 'uevent', 'power', 'mdev_type', 'iommu_group', 'driver', 'subsystem', 'driver_override', 'firmware_node']);

class Walker {
  readonly warnings: Diagnostic[] = [];
  constructor(
    readonly root: string,
    readonly maxFileBytes: number,
  ) {}

  /** The real path of `p`, when it stays below the root; else undefined and a warning. */
  async inside(p: string): Promise<string | undefined> {
    let real: string;
    try {
      real = await realpath(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      this.warn(p, code === 'ELOOP' ? 'a link cycle: skipped' : `cannot resolve: ${systemMessage(e)}`);
      return undefined;
    }
    if (real !== this.root && !real.startsWith(`${this.root}${path.sep}`)) {
      this.warn(p, `links outside the root (to \`${real}\`): not followed`);
      return undefined;
    }
    return real;
  }

  warn(p: string, message: string, code: ErrorCode = 'file-unreadable'): void {
    this.warnings.push(warning(code, message, { file: this.shown(p) }));
  }

  /** Whether the file's name can be a key of the Host (a parent, type or attribute); else a warning naming it. */
  nameable(p: string): boolean {
    const problem = badName(path.basename(p));
    if (problem !== undefined) this.warn(p, `${problem}: skipped`, 'schema-violation');
    return problem === undefined;
  }

  shown(p: string): string {
    return path.relative(this.root, p) ? `/${path.relative(this.root, p)}` : '/';
  }

  async list(dir: string): Promise<string[]> {
    try {
      return (await readdir(dir)).sort();
    } catch (e) {
      this.warn(dir, `cannot list: ${systemMessage(e)}`);
      return [];
    }
  }

  /** A regular, readable attribute file's text (trailing newline removed), or undefined (with a warning when it should have been readable). */
  async readAttribute(file: string): Promise<string | undefined> {
    let info;
    try {
      info = await stat(file);
    } catch (e) {
      this.warn(file, `cannot read: ${systemMessage(e)}`);
      return undefined;
    }
    if (!info.isFile()) return undefined;
    if ((info.mode & 0o444) === 0) {
      // A write-only attribute (the kernel's 0200: create, remove, assign_*) is not a value to read; a file with no permission at all is.
      if ((info.mode & 0o222) === 0) this.warn(file, 'not readable: skipped');
      return undefined;
    }
    const read = await readBounded(file, this.maxFileBytes, { trustSize: false });
    if (!read.ok) {
      // The reader's message for an unreadable file (`cannot read: …`) is collect's too.
      this.warn(file, read.errors[0]?.code === 'input-too-large' ? `longer than ${this.maxFileBytes} bytes: skipped` : (read.errors[0]?.message ?? 'cannot read'));
      return undefined;
    }
    const text = decodeUtf8(read.value, file);
    if (!text.ok) {
      this.warn(file, 'not utf-8 text: skipped');
      return undefined;
    }
    return text.value.replace(/\n$/, '');
  }
}

function typeAttribute(name: string, text: string, w: Walker, file: string): string | number | undefined {
  if (name === 'available_instances') {
    if (!/^\s*\d+\s*$/.test(text)) {
      w.warn(file, `\`${text.slice(0, 40)}\` is not a count: skipped`);
      return undefined;
    }
    return Number(text);
  }
  return text; // lists stay in their sysfs form ("5931, 591b"); loading normalises them
}

/** A Host document of the mdev world below `root`. */
export async function collectHost(options: CollectOptions): Promise<Result<WrittenHost>> {
  let root: string;
  try {
    root = await realpath(options.root);
    if (!(await stat(root)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (e) {
    return failed([diagnostic('file-unreadable', `cannot read the root: ${systemMessage(e)}`, { file: options.root })]);
  }
  const w = new Walker(root, options.maxFileBytes ?? 64 * 1024);
  const bus = path.join(root, 'sys/class/mdev_bus');
  try {
    if (!(await stat(bus)).isDirectory()) throw new Error('not a directory');
  } catch {
    return failed([
      diagnostic('file-unreadable', 'no mdev bus here: `sys/class/mdev_bus` is missing', { file: options.root }, {
        hint: 'is the mdev module loaded, and is --root the directory that holds sys/?',
      }),
    ]);
  }
  const builder = new HostBuilder();
  const parentIds = new Map<string, string>(); // real parent dir → parent id
  const deviceApis = new Map<string, string>(); // `${parent}/${type}` → device_api
  for (const entry of await w.list(bus)) {
    if (!w.nameable(path.join(bus, entry))) continue;
    const parentDir = await w.inside(path.join(bus, entry));
    if (!parentDir) continue;
    parentIds.set(parentDir, entry);
    builder.addParent(entry);
    const typesDir = path.join(parentDir, 'mdev_supported_types');
    const visited = new Set<string>();
    for (const typeId of await w.list(typesDir)) {
      if (!w.nameable(path.join(typesDir, typeId))) continue;
      const typeDir = await w.inside(path.join(typesDir, typeId));
      if (!typeDir || visited.has(typeDir)) continue;
      visited.add(typeDir);
      const attrs = new Map<string, string | number>();
      for (const file of await w.list(typeDir)) {
        if (TYPE_SKIP.has(file)) continue;
        const full = path.join(typeDir, file);
        if ((await isLink(full)) || !w.nameable(full)) continue;
        const text = await w.readAttribute(full);
        if (text === undefined) continue;
        const value = typeAttribute(file, text, w, full);
        if (value !== undefined) attrs.set(file, value);
      }
      const api = attrs.get('device_api');
      if (typeof api === 'string') deviceApis.set(`${entry}/${typeId}`, api.trim());
      builder.addType(entry, typeId, attrs);
    }
  }
  const devicesDir = path.join(root, 'sys/bus/mdev/devices');
  for (const uuid of await listIfPresent(devicesDir)) {
    if (badUuid(uuid) !== undefined) {
      w.warn(path.join(devicesDir, uuid), 'not a device uuid: skipped');
      continue;
    }
    const deviceDir = await w.inside(path.join(devicesDir, uuid));
    if (!deviceDir) continue;
    const typeLink = await w.inside(path.join(deviceDir, 'mdev_type'));
    if (!typeLink) continue;
    const typeId = path.basename(typeLink);
    const typeProblem = badName(typeId);
    if (typeProblem !== undefined) {
      w.warn(deviceDir, `its type ${typeProblem}: skipped`, 'schema-violation');
      continue;
    }
    const parentId = parentIds.get(path.dirname(path.dirname(typeLink))) ?? parentIds.get(path.dirname(deviceDir));
    if (!parentId) {
      w.warn(deviceDir, 'its parent is not on the mdev bus: skipped');
      continue;
    }
    const attributes = new Map<string, string>();
    await collectInstanceAttributes(w, deviceDir, attributes, true);
    const derived = deviceApis.get(`${parentId}/${typeId}`) === 'vfio-ap' ? apMatrixAttributes(w, deviceDir, attributes) : [];
    if (!builder.addDevice(parentId, uuid, typeId, [...attributes, ...derived])) w.warn(deviceDir, 'the same device is listed twice: skipped');
  }
  const collectedAt = (options.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return ok(builder.build(options.name, collectedAt), w.warnings);
}

/**
 * A vfio-ap device's assign_* attributes, derived from its `matrix` and
 * `control_domains` (the kernel's assign_* files are write-only). Attributes
 * read as files win: nothing is derived when any assign_* was readable.
 */
function apMatrixAttributes(w: Walker, dir: string, read: Map<string, string>): [string, string][] {
  if (AP_ASSIGN_ATTRIBUTES.some((n) => read.has(n))) return [];
  const matrix = read.get('matrix');
  if (matrix === undefined) {
    w.warn(path.join(dir, 'matrix'), 'a vfio-ap device without a readable `matrix`: its adapters and domains are unknown');
    return [];
  }
  const derived = apAssignments(matrix, read.get('control_domains'));
  if (!derived.ok) {
    w.warn(path.join(dir, 'matrix'), `${derived.problem}: assign_* not derived`, 'schema-violation');
    return [];
  }
  return derived.attributes;
}

/** Regular files of a device directory, and of one level of attribute groups below it (e.g. `vendor/`); the first of a name wins. */
async function collectInstanceAttributes(w: Walker, dir: string, out: Map<string, string>, top: boolean): Promise<void> {
  for (const file of await w.list(dir)) {
    if (DEVICE_SKIP.has(file)) continue;
    const full = path.join(dir, file);
    if (await isLink(full)) continue;
    let info;
    try {
      info = await stat(full);
    } catch (e) {
      w.warn(full, `cannot read: ${systemMessage(e)}`);
      continue;
    }
    if (info.isDirectory()) {
      if (top) await collectInstanceAttributes(w, full, out, false);
      continue;
    }
    if (!w.nameable(full)) continue;
    const text = await w.readAttribute(full);
    if (text !== undefined && !out.has(file)) out.set(file, text);
  }
}

async function isLink(p: string): Promise<boolean> {
  try {
    await readlink(p);
    return true;
  } catch {
    return false;
  }
}

async function listIfPresent(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}
