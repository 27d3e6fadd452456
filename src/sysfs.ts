// Collect: a Host document from a sysfs tree (DESIGN §3, §8). Reads
// <root>/sys/class/mdev_bus/<parent>/mdev_supported_types/<type>/ and
// <root>/sys/bus/mdev/devices/<uuid>/ as the kernel lays them out (class and
// bus entries are links into sys/devices/…).
//
// Safety. Paths are resolved here one component at a time, a link at a time,
// from a directory already known to be real and below the root: a link whose
// target leaves the root is reported once, by its own path inside the root,
// and nothing past it is ever looked at, listed or read (not even stat'ed: no
// automounter outside the root is woken); link cycles end after 40 links.
// "Below the root" is path.relative's answer, not a string prefix (with
// `--root /` a prefix test looks for `//` and finds nothing). Attribute files
// are opened only when lstat shows a regular file (FIFOs, sockets and device
// nodes are never opened), then without following a link and without
// blocking (one swapped in since cannot hang us), checked again on the open
// descriptor, and read up to a bounded size; write-only files (`create`,
// `remove`, vfio-ap's `assign_*`: no read bit, a write bit) are never read. A vfio-ap device's write-only assign_* attributes are
// derived from what the kernel shows, its `matrix` and `control_domains` (see
// import/vfio-ap.ts), which are kept too.
//
// Facts above the type (DESIGN §10): for each parent its PCI ids, driver and
// driver version, and for the host its kernel, OS and the versions of the
// modules that drive mdev parents (collectFacts below): a fixed list of text
// files, each resolved like any other path here and read like an attribute
// file; a PCI device's binary files (config, resource*, rom) are never
// opened. Facts given with --facts are merged last and win (import/facts.ts).
//
// Fail closed. The document is built by the importers' HostBuilder, never by
// assigning into plain objects. A parent, type or device whose name the Host
// cannot hold (`__proto__`, `constructor`, `prototype`, not a sysfs name, not
// a uuid) is an error: skipping it would make the VM look smaller than it is,
// and a smaller VM can be judged compatible where the real one is not. An
// attribute file with such a name is only a warning: the attribute is then
// missing, and every check on a missing attribute fails closed (DESIGN §8), so
// dropping it can only turn a verdict into a refusal, never into a pass.
// Unreadable files and links that leave the root are warnings: collection
// carries on; a bus that lists parents of which none could be collected says
// so rather than writing an empty host in silence.

import { constants } from 'node:fs';
import { lstat, open, readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { diagnostic, failed, quote, resultOf, warning, type Diagnostic, type ErrorCode, type Result } from './errors.js';
import { decodeUtf8, readHandleAtMost, systemMessage } from './load.js';
import { mergeFacts, type FactsSource } from './import/facts.js';
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
  /** Facts from --facts files, merged after what the files below the root expose (facts given win). */
  facts?: readonly FactsSource[];
}

/** Files of a type directory that are never attributes. */
const TYPE_SKIP = new Set(['create', 'devices', 'uevent', 'power']);
/** Files and links of a device directory that are never instance attributes. */
const DEVICE_SKIP = new Set(['remove', 'uevent', 'power', 'mdev_type', 'iommu_group', 'driver', 'subsystem', 'driver_override', 'firmware_node']);
/** Links followed in one resolution before it counts as a cycle (the kernel's MAXSYMLINKS). */
const MAX_LINKS = 40;
/** The hint of every error for a name the Host cannot hold. */
const UNREPRESENTABLE_HINT = 'nothing is written: a host missing a parent, type or device could be judged compatible where the real one is not';

/**
 * Whether `p` is `root` or below it; both absolute and normalised. A string
 * prefix test is wrong for the filesystem root (`/` + sep is `//`, which no
 * path starts with) and for `/a` against `/ab`: path.relative is right for both.
 */
export function isBelowRoot(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** Where a resolution ended: a real path below the root, or why not. */
type Resolved = { real: string } | { leaves: true } | { error: NodeJS.ErrnoException };

class Walker {
  readonly warnings: Diagnostic[] = [];
  readonly errors: Diagnostic[] = [];
  constructor(
    readonly root: string,
    readonly maxFileBytes: number,
  ) {}

  /**
   * `rest` (relative, may hold several components) resolved from `base`, a
   * real directory below the root, without ever touching a path outside the
   * root: each component is lstat'ed only once its parent is known to be real
   * and below the root, and a link's target is checked before it is followed.
   */
  async resolve(base: string, rest: string): Promise<Resolved> {
    const pending = rest.split(path.sep).filter((c) => c !== '' && c !== '.');
    let current = base;
    let links = 0;
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '..') {
        if (current === this.root) {
          if (current === path.parse(current).root) continue; // `/..` is `/`
          return { leaves: true };
        }
        current = path.dirname(current);
        continue;
      }
      const next = path.join(current, part);
      try {
        if (!(await lstat(next)).isSymbolicLink()) {
          current = next;
          continue;
        }
        if (++links > MAX_LINKS) return { error: Object.assign(new Error('too many links'), { code: 'ELOOP' }) };
        const target = await readlink(next);
        if (path.isAbsolute(target)) {
          const normal = path.normalize(target);
          if (!isBelowRoot(this.root, normal)) return { leaves: true };
          current = this.root;
          pending.unshift(...path.relative(this.root, normal).split(path.sep));
        } else {
          pending.unshift(...target.split(path.sep));
        }
      } catch (e) {
        return { error: e as NodeJS.ErrnoException };
      }
    }
    return { real: current };
  }

  /** The real path of `name` in the real directory `dir`, when it stays below the root; else undefined and one warning naming `dir/name`. */
  async inside(dir: string, name: string, failing = 'cannot resolve'): Promise<string | undefined> {
    const p = path.join(dir, name);
    const r = await this.resolve(dir, name);
    if ('real' in r) return r.real;
    if ('leaves' in r) this.warn(p, 'a link that leaves the root: not followed');
    else this.warn(p, r.error.code === 'ELOOP' ? 'a link cycle: skipped' : `${failing}: ${systemMessage(r.error)}`);
    return undefined;
  }

  /**
   * Like inside(), for a path that may well be absent (an unbound device has
   * no `driver` link, a host without os-release has none): absent is
   * undefined without a warning; a link that leaves the root or a cycle
   * still warns.
   */
  async optional(dir: string, rest: string): Promise<string | undefined> {
    const r = await this.resolve(dir, rest);
    if ('real' in r) return r.real;
    const p = path.join(dir, rest);
    if ('leaves' in r) this.warn(p, 'a link that leaves the root: not followed');
    else if (r.error.code !== 'ENOENT' && r.error.code !== 'ENOTDIR') this.warn(p, r.error.code === 'ELOOP' ? 'a link cycle: skipped' : `cannot resolve: ${systemMessage(r.error)}`);
    return undefined;
  }

  /** A fact file's text (links resolved inside the root; read as an attribute file is), or undefined when absent, unreadable or empty. */
  async readFact(dir: string, rest: string): Promise<string | undefined> {
    const file = await this.optional(dir, rest);
    if (file === undefined) return undefined;
    const text = (await this.readAttribute(file))?.trim();
    return text === '' ? undefined : text;
  }

  warn(p: string, message: string, code: ErrorCode = 'file-unreadable'): void {
    this.warnings.push(warning(code, message, { file: this.shown(p) }));
  }

  /** A parent, type or device the Host cannot hold: an error, so that nothing is written (see the header). */
  refuse(p: string, message: string): void {
    this.errors.push(diagnostic('schema-violation', message, { file: this.shown(p) }, { hint: UNREPRESENTABLE_HINT }));
  }

  /** Whether an attribute file's name can be a key of the Host; else a warning naming it (a missing attribute fails its checks closed). */
  nameable(p: string): boolean {
    const problem = badName(path.basename(p));
    if (problem !== undefined) this.warn(p, `${problem}: skipped`, 'schema-violation');
    return problem === undefined;
  }

  shown(p: string): string {
    return `/${path.relative(this.root, p)}`;
  }

  /** The entries of `dir`, a real directory below the root (never a link: callers resolve first). */
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
    let handle;
    try {
      // Never open what is not a regular file: opening a FIFO blocks, opening a device node can act (a watchdog, a tty).
      if (!(await lstat(file)).isFile()) return undefined;
      // O_NOFOLLOW: a link swapped in since is refused (ELOOP), not followed; O_NONBLOCK: a FIFO swapped in cannot block the open.
      handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A write-only attribute (the kernel's 0200: create, remove, assign_*) is not a value to read; as root, open() does not say so.
      if (code === 'ELOOP' || ((code === 'EACCES' || code === 'EPERM') && (await writeOnly(file)))) return undefined;
      this.warn(file, `cannot read: ${systemMessage(e)}`);
      return undefined;
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) return undefined;
      if ((info.mode & 0o444) === 0) {
        if ((info.mode & 0o222) === 0) this.warn(file, 'not readable: skipped');
        return undefined;
      }
      const bytes = await readHandleAtMost(handle, this.maxFileBytes, 4096);
      if (bytes === undefined) {
        this.warn(file, `longer than ${this.maxFileBytes} bytes: skipped`);
        return undefined;
      }
      const text = decodeUtf8(bytes, file);
      if (!text.ok) {
        this.warn(file, 'not utf-8 text: skipped');
        return undefined;
      }
      return text.value.replace(/\n$/, '');
    } catch (e) {
      this.warn(file, `cannot read: ${systemMessage(e)}`);
      return undefined;
    } finally {
      await handle.close();
    }
  }
}

/** Whether a file has a write bit and no read bit (lstat: never through a link). */
async function writeOnly(file: string): Promise<boolean> {
  try {
    const { mode } = await lstat(file);
    return (mode & 0o444) === 0 && (mode & 0o222) !== 0;
  } catch {
    return false;
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

/** A Host document of the mdev world below `root`; an error when a parent, type or device cannot be written in one. */
export async function collectHost(options: CollectOptions): Promise<Result<WrittenHost>> {
  let root: string;
  try {
    root = await realpath(options.root);
    if (!(await stat(root)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  } catch (e) {
    return failed([diagnostic('file-unreadable', `cannot read the root: ${systemMessage(e)}`, { file: options.root })]);
  }
  const w = new Walker(root, options.maxFileBytes ?? 64 * 1024);
  const busAt = await w.resolve(root, 'sys/class/mdev_bus');
  if ('leaves' in busAt) {
    return failed([diagnostic('file-unreadable', '`sys/class/mdev_bus` is a link that leaves the root: not followed', { file: options.root }, { hint: 'collect reads only below --root' })]);
  }
  const bus = 'real' in busAt && (await isDirectory(busAt.real)) ? busAt.real : undefined;
  if (bus === undefined) {
    return failed([
      diagnostic('file-unreadable', 'no mdev bus here: `sys/class/mdev_bus` is missing', { file: options.root }, {
        hint: 'is the mdev module loaded, and is --root the directory that holds sys/?',
      }),
    ]);
  }
  const builder = new HostBuilder();
  const parentIds = new Map<string, string>(); // real parent dir → parent id
  const deviceApis = new Map<string, string>(); // `${parent}/${type}` → device_api
  const listed = await w.list(bus);
  for (const entry of listed) {
    const problem = badName(entry);
    if (problem !== undefined) {
      w.refuse(path.join(bus, entry), `${problem}: a parent the Host cannot hold (nor its devices)`);
      continue;
    }
    const parentDir = await w.inside(bus, entry);
    if (!parentDir) continue;
    parentIds.set(parentDir, entry);
    builder.addParent(entry);
    const typesDir = await w.inside(parentDir, 'mdev_supported_types', 'cannot list');
    if (!typesDir) continue;
    const visited = new Set<string>();
    for (const typeId of await w.list(typesDir)) {
      const typeProblem = badName(typeId);
      if (typeProblem !== undefined) {
        w.refuse(path.join(typesDir, typeId), `${typeProblem}: a type the Host cannot hold (nor its devices)`);
        continue;
      }
      const typeDir = await w.inside(typesDir, typeId);
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
  await collectFacts(w, builder, parentIds);
  if (listed.length > 0 && parentIds.size === 0) {
    w.warn(bus, `lists ${listed.length} ${listed.length === 1 ? 'entry' : 'entries'} but no parent could be collected: the host written has none`);
  }
  await collectDevices(w, builder, parentIds, deviceApis);
  const merged = mergeFacts(builder, options.facts ?? []);
  const collectedAt = (options.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return resultOf(builder.build(options.name, collectedAt), w.errors, [...w.warnings, ...merged]);
}

// --- facts above the type (DESIGN §10) --------------------------------------

/** A PCI parent's identity files and the parent facts they become. Only these are ever opened: never `config`, `resource*` or `rom` (binary, and reading some has effects). */
const PCI_ID_FILES = [
  ['vendor', 'pci_vendor'],
  ['device', 'pci_device'],
  ['subsystem_vendor', 'pci_subsystem_vendor'],
  ['subsystem_device', 'pci_subsystem_device'],
  ['revision', 'pci_revision'],
  ['class', 'pci_class'],
] as const;

/**
 * Parent and host facts. For each parent: its PCI ids when it is a PCI
 * device (its real directory is under sys/devices/pci…, or it has `vendor`
 * and `device` files), `pci_physfn` for an SR-IOV virtual function (the
 * `physfn` link's basename), `driver` (the `driver` link's basename) and
 * `driver_version` (sys/module/<module>/version, the module being the
 * driver's `module` link, else the driver's name with `-` as `_`). Host
 * facts: `kernel_release` (proc/sys/kernel/osrelease), `os_id` and
 * `os_version_id` (etc/os-release, else usr/lib/os-release), and
 * `<module>_version` for each module that drives an mdev parent. A file that
 * is absent is a fact that is absent, without a warning.
 */
async function collectFacts(w: Walker, builder: HostBuilder, parentIds: Map<string, string>): Promise<void> {
  const moduleVersions = new Map<string, string | undefined>();
  for (const [dir, id] of parentIds) {
    const facts: [string, string][] = [];
    if (await isPciDevice(w, dir)) {
      for (const [file, fact] of PCI_ID_FILES) {
        const value = await w.readFact(dir, file);
        if (value !== undefined) facts.push([fact, value]);
      }
      const physfn = await w.optional(dir, 'physfn');
      if (physfn !== undefined && badName(path.basename(physfn)) === undefined) facts.push(['pci_physfn', path.basename(physfn)]);
    }
    const driverDir = await w.optional(dir, 'driver');
    const driver = driverDir === undefined ? undefined : path.basename(driverDir);
    if (driverDir !== undefined && driver !== undefined && badName(driver) === undefined) {
      facts.push(['driver', driver]);
      const moduleDir = await w.optional(driverDir, 'module');
      const module = moduleDir === undefined ? driver.replace(/-/g, '_') : path.basename(moduleDir);
      if (badName(module) === undefined && badName(`${module}_version`) === undefined) {
        if (!moduleVersions.has(module)) moduleVersions.set(module, await w.readFact(w.root, path.join('sys/module', module, 'version')));
        const version = moduleVersions.get(module);
        if (version !== undefined) facts.push(['driver_version', version]);
      }
    }
    builder.addParentFacts(id, facts);
  }
  const host: [string, string][] = [];
  const kernel = await w.readFact(w.root, 'proc/sys/kernel/osrelease');
  if (kernel !== undefined) host.push(['kernel_release', kernel]);
  for (const file of ['etc/os-release', 'usr/lib/os-release']) {
    const text = await w.readFact(w.root, file);
    if (text === undefined) continue;
    const os = parseOsRelease(text);
    for (const problem of os.problems) w.warn(path.join(w.root, file), problem, 'schema-violation');
    if (os.id !== undefined) host.push(['os_id', os.id]);
    if (os.versionId !== undefined) host.push(['os_version_id', os.versionId]);
    break;
  }
  for (const [module, version] of moduleVersions) if (version !== undefined) host.push([`${module}_version`, version]);
  builder.addHostFacts(host);
}

/** Whether a parent is a PCI device: its real directory is below sys/devices/pci…, or it has regular `vendor` and `device` files. */
async function isPciDevice(w: Walker, dir: string): Promise<boolean> {
  const parts = path.relative(w.root, dir).split(path.sep);
  if (parts[0] === 'sys' && parts[1] === 'devices' && /^pci[0-9a-f]{4}:[0-9a-f]{2}$/i.test(parts[2] ?? '')) return true;
  return (await isFile(path.join(dir, 'vendor'))) && (await isFile(path.join(dir, 'device')));
}

/** The os-release value charset (ID and VERSION_ID: lowercase letters, digits, `.`, `_`, `-`). */
const OS_VALUE = /^[a-z0-9._-]{1,64}$/;

/**
 * ID and VERSION_ID of an os-release file (os-release(5)): `KEY=value`
 * lines, the value unquoted, or in single quotes, or in double quotes with
 * `\"`, `\\`, `\$` and `` \` `` escapes; a later line wins, as in a shell.
 * Strict: a value that is not one word of lowercase letters, digits, `.`,
 * `_` and `-` (what the specification allows for both keys) is left out,
 * with a problem to report. Other keys are never looked at.
 */
export function parseOsRelease(text: string): { id?: string; versionId?: string; problems: string[] } {
  const out: { id?: string; versionId?: string; problems: string[] } = { problems: [] };
  for (const line of text.split('\n')) {
    const m = /^(ID|VERSION_ID)=(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, key, raw] = m as unknown as [string, 'ID' | 'VERSION_ID', string];
    const value = osReleaseValue(raw);
    if (value === undefined || !OS_VALUE.test(value)) {
      out.problems.push(`\`${key}\` is not one word of lowercase letters, digits, \`.\`, \`_\` and \`-\` (${quote(raw.slice(0, 40))}): left out`);
      if (key === 'ID') delete out.id;
      else delete out.versionId;
      continue;
    }
    if (key === 'ID') out.id = value;
    else out.versionId = value;
  }
  return out;
}

/** A shell-style os-release value unquoted; undefined when its quoting is broken. */
function osReleaseValue(raw: string): string | undefined {
  if (raw.startsWith("'")) return /^'([^']*)'$/.exec(raw)?.[1];
  if (raw.startsWith('"')) {
    const m = /^"((?:[^"\\$`]|\\["\\$`])*)"$/.exec(raw);
    return m?.[1]!.replace(/\\(["\\$`])/g, '$1');
  }
  return /^[^\s"'\\$`;|&<>()]*$/.test(raw) ? raw : undefined;
}

/** The devices of sys/bus/mdev/devices (absent when no device exists), each on its parent. */
async function collectDevices(w: Walker, builder: HostBuilder, parentIds: Map<string, string>, deviceApis: Map<string, string>): Promise<void> {
  const at = await w.resolve(w.root, 'sys/bus/mdev/devices');
  if ('leaves' in at) {
    w.warn(path.join(w.root, 'sys/bus/mdev/devices'), 'a link that leaves the root: not followed');
    return;
  }
  if (!('real' in at) || !(await isDirectory(at.real))) return;
  const devicesDir = at.real;
  for (const uuid of await w.list(devicesDir)) {
    const uuidProblem = badUuid(uuid);
    if (uuidProblem !== undefined) {
      w.refuse(path.join(devicesDir, uuid), `${uuidProblem}: a device the Host cannot hold`);
      continue;
    }
    const deviceDir = await w.inside(devicesDir, uuid);
    if (!deviceDir) continue;
    const typeLink = await w.inside(deviceDir, 'mdev_type');
    if (!typeLink) continue;
    const typeId = path.basename(typeLink);
    const typeProblem = badName(typeId);
    if (typeProblem !== undefined) {
      w.refuse(deviceDir, `its type ${typeProblem}: a device the Host cannot hold`);
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

/** Regular files of a device directory, and of one level of attribute groups below it (e.g. `vendor/`); the first of a name wins. Links are never followed. */
async function collectInstanceAttributes(w: Walker, dir: string, out: Map<string, string>, top: boolean): Promise<void> {
  for (const file of await w.list(dir)) {
    if (DEVICE_SKIP.has(file)) continue;
    const full = path.join(dir, file);
    let info;
    try {
      info = await lstat(full);
    } catch (e) {
      w.warn(full, `cannot read: ${systemMessage(e)}`);
      continue;
    }
    if (info.isSymbolicLink()) continue;
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
    return (await lstat(p)).isSymbolicLink();
  } catch {
    return false;
  }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isFile();
  } catch {
    return false;
  }
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await lstat(p)).isDirectory();
  } catch {
    return false;
  }
}
