// The claim plan made executable: for a compatible destination, which
// device uuid each placed source device gets there, the POSIX shell script of
// mdevctl commands that creates those devices (type on parent, every synced
// attribute, started), and the inputs the domain XML rewrite needs.
//
// A device keeps its source uuid unless the destination runs a device with
// that uuid that is someone else's (another type, or elsewhere than planned):
// only then is a new uuid made, derived from the source uuid and the
// destination's name (a name-based UUID, version 5), the same every time.
//
// A destination device that runs the uuid the plan gives a source device,
// as that device's type (any type in cross-type mode), is the plan already
// carried out ("prepared"): before the destination is decided it is
// released, its instance counted free for that device only. The device may
// then go nowhere else, and only if it is a compatible candidate there and
// runs with the values the plan would give it; else the destination refuses.

import { cryptoModule } from './trace.js';
import type { DestinationResult, Host, MdevDevice } from './types.js';

/** One device of the plan. */
export interface PlannedDevice {
  /** The source device's uuid. */
  source: string;
  /** The uuid it gets on the destination. */
  uuid: string;
  parent: string;
  type: string;
  set: Record<string, string | string[]>;
}

export interface ClaimPlan {
  host: string;
  devices: PlannedDevice[];
}

/** The VM's devices a destination already holds: uuid → where. */
export type Prepared = ReadonlyMap<string, { parent: string; type: string }>;

/** The most derived uuids tried for one device (each one further needs a destination device already holding the one before). */
const MAX_DERIVED = 16;

/**
 * The uuids a source device may get on a destination, in order: its own,
 * then uuids derived from it and the destination's name. The plan takes the
 * first that the destination does not run as someone else's device.
 */
function* uuidsFor(source: string, host: string): Generator<string> {
  yield source;
  const name = host.trim().toLowerCase();
  for (let attempt = 0; attempt < MAX_DERIVED; attempt++) yield derivedUuid(`${source}@${name}${attempt === 0 ? '' : `#${attempt}`}`);
}

/**
 * The VM's own device on a destination for one source device: the device
 * running the first uuid of its chain (uuidsFor) that is not someone else's,
 * when there is one. A device running one of those uuids as the source
 * device's type is the VM's (the plan made it); as another type, someone
 * else's — unless `anyType` (a mode in which the plan may give a device
 * another type), where it is the VM's too and the policy judges it.
 */
function ownDevice(host: Host, source: string, type: string, anyType: boolean): MdevDevice | undefined {
  for (const uuid of uuidsFor(source, host.name)) {
    const d = host.devices.find((x) => x.uuid === uuid);
    if (!d) return undefined;
    if (d.type === type || anyType) return d;
  }
  return undefined;
}

/**
 * The destination with the VM's own devices (`vm`: source uuid → its type)
 * taken out and their instances counted free again, each kept in `reserved`
 * by source uuid: the decision then lets that source device go only there,
 * and only with the values it runs with (src/evaluate/decision.ts), so the
 * freed instance is its own and no other device's. Undefined when it holds none.
 */
export function releasePrepared(host: Host, vm: ReadonlyMap<string, string>, anyType = false): Host | undefined {
  const reserved = new Map<string, MdevDevice>();
  for (const [uuid, type] of vm) {
    const own = ownDevice(host, uuid, type, anyType);
    if (own) reserved.set(uuid, own);
  }
  if (reserved.size === 0) return undefined;
  const mine = new Set(reserved.values());
  const freed = new Map<string, number>();
  for (const d of mine) freed.set(`${d.parent}\u0000${d.type}`, (freed.get(`${d.parent}\u0000${d.type}`) ?? 0) + 1);
  return {
    ...host,
    devices: host.devices.filter((d) => !mine.has(d)),
    parents: host.parents.map((p) => ({
      ...p,
      types: p.types.map((t) => {
        const n = freed.get(`${p.id}\u0000${t.id}`);
        const available = t.attributes.available_instances;
        return n && typeof available === 'number' ? { ...t, attributes: { ...t.attributes, available_instances: available + n } } : t;
      }),
    })),
    reserved,
  };
}

// The namespace of the uuids mdev-policy derives (a fixed random uuid).
const NAMESPACE = Buffer.from('5b0c6a4e9d2f4c1e8a7b3f6d2e1c0a98', 'hex');

/** A name-based UUID (RFC 9562 version 5, SHA-1) in mdev-policy's namespace. */
export function derivedUuid(name: string): string {
  const bytes = cryptoModule().createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The plan for a compatible destination: each placed device with the uuid
 * it gets there — the VM's own device's (`reserved`, by source uuid), else
 * the first of its chain (uuidsFor) the destination does not run, or runs
 * on the planned parent as the planned type. `devices` are the
 * destination's devices as collected (before any release).
 */
export function claimPlan(destination: DestinationResult, devices: readonly MdevDevice[], reserved?: ReadonlyMap<string, MdevDevice>): ClaimPlan {
  const taken = new Map(devices.map((d) => [d.uuid, d]));
  const used = new Set<string>();
  const planned: PlannedDevice[] = [];
  for (const p of destination.placement) {
    let uuid = reserved?.get(p.device)?.uuid;
    if (uuid === undefined) {
      for (const u of uuidsFor(p.device, destination.host)) {
        const there = taken.get(u);
        if (!used.has(u) && (!there || (there.parent === p.parent && there.type === p.type))) {
          uuid = u;
          break;
        }
      }
    }
    // Past the chain (a destination holding every uuid of it): refused by unplannable, never a uuid in use.
    uuid ??= '';
    used.add(uuid);
    planned.push({ source: p.device, uuid, parent: p.parent, type: p.type, set: p.set });
  }
  return { host: destination.host, devices: planned };
}

/** A word for the shell, whatever it holds: single-quoted, each `'` as `'\''`. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A comment line for the script: one line, nothing a terminal acts on. */
function comment(s: string): string {
  // eslint-disable-next-line no-control-regex
  return `# ${s.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '?')}`;
}

export interface PlanContext {
  /** The VM, when it was named (its domain XML). */
  vm?: string;
  sourceHost: string;
  policy: string;
  digest: string;
  mode: string;
  decision: string;
  time: string;
  tool: string;
}

// Characters a script to be read and run as root must not hold: NUL (no command argument can carry it), the
// other control characters but tab and newline (a terminal acts on them: an escape sequence can hide a line of
// the script from whoever reads it), and the bidirectional controls (they reorder what is shown).
// eslint-disable-next-line no-control-regex
const UNSCRIPTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Why a plan cannot be written as a script: a value with a character no script should carry; undefined when it can. */
export function unplannable(plan: ClaimPlan): string | undefined {
  for (const d of plan.devices) {
    if (d.uuid === '') return `every uuid tried for device \`${d.source}\` is taken on ${plan.host}`;
    for (const v of [d.uuid, d.parent, d.type, ...Object.entries(d.set).flatMap(([k, v]) => [k, ...(Array.isArray(v) ? v : [v])])]) {
      const bad = UNSCRIPTABLE.exec(v);
      if (bad) return `a value for device \`${d.source}\` holds the character U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}, which a script run as root must not carry`;
    }
  }
  return undefined;
}

/**
 * The plan as a POSIX shell script of mdevctl commands, to run as root on
 * the destination. `set -eu`: the first command that fails stops it. Running
 * it again changes nothing: a device already running as planned (its uuid on
 * the planned parent with the planned type) is left as it is; a definition
 * not running is replaced; a device running elsewhere or as another type
 * stops the script before anything is changed for it.
 */
export function renderPlanScript(plan: ClaimPlan, context: PlanContext): string {
  const q = shellQuote;
  const lines = [
    '#!/bin/sh',
    comment(`mdev-policy claim plan for ${plan.host}: ${context.vm ? `VM ${context.vm}, ` : ''}${plan.devices.length} device${plan.devices.length === 1 ? '' : 's'} from ${context.sourceHost}`),
    comment(`policy ${context.policy} (${context.digest}), mode ${context.mode}; decision ${context.decision} at ${context.time} by ${context.tool}`),
    comment(`Run as root on ${plan.host} before the migration. Running it again changes nothing: a device`),
    comment('already running as planned is left as it is; a definition that is not running is replaced.'),
    'set -eu',
    '',
    "command -v mdevctl >/dev/null 2>&1 || { echo 'mdev-policy plan: mdevctl is not installed' >&2; exit 1; }",
    '',
    '# needed UUID PARENT TYPE: false when UUID already runs on PARENT as TYPE; stops the script when it runs otherwise;',
    '# removes a definition of UUID on PARENT that is not running, so that it is defined anew.',
    'needed() {',
    '  running=$(mdevctl list --uuid "$1")',
    '  case $running in',
    '    "") ;;',
    '    "$1 $2 $3" | "$1 $2 $3 "*) echo "mdev-policy plan: $1 already runs on $2 as $3: left as it is" >&2; return 1 ;;',
    '    *) echo "mdev-policy plan: $1 already runs, not as $3 on $2: $running" >&2; exit 1 ;;',
    '  esac',
    '  if [ -n "$(mdevctl list --defined --uuid "$1" --parent "$2")" ]; then',
    '    mdevctl undefine --uuid "$1" --parent "$2"',
    '  fi',
    '  return 0',
    '}',
  ];
  for (const d of plan.devices) {
    const id = `--uuid ${q(d.uuid)} --parent ${q(d.parent)}`;
    lines.push('');
    lines.push(comment(`${d.uuid}: ${d.type} on ${d.parent}${d.uuid === d.source ? '' : ` (a new uuid: ${d.source} is taken on ${plan.host})`}`));
    lines.push(`if needed ${q(d.uuid)} ${q(d.parent)} ${q(d.type)}; then`);
    lines.push(`  mdevctl define ${id} --type ${q(d.type)} --auto`);
    for (const [name, value] of Object.entries(d.set)) {
      for (const v of Array.isArray(value) ? value : [value]) lines.push(`  mdevctl modify ${id} --addattr=${q(name)} --value=${q(v)}`);
    }
    lines.push(`  mdevctl start ${id}`);
    lines.push('fi');
  }
  lines.push('');
  return lines.join('\n');
}
