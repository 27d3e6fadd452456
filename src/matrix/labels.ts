// The matrix as scheduler hints: Nova Placement traits (`matrix --format
// nova-traits`) and Kubernetes node labels (`--format k8s-labels`), both as
// POSIX shell scripts an operator reads, then runs.
//
// What a trait or label means: a *compatibility group*, one per (mdev type
// T, class A). Its hosts are A's own hosts offering T, and every host of each
// class B that can take a VM of type T from a host of A (the pair (T, A → B)
// is compatible). A VM started on a host of A, with the group of its type and
// class required (a flavor's `trait:CUSTOM_MDEV_<T>_<A>=required`; a node
// affinity on `<prefix>/group.<T>.<a>`), is only ever scheduled — and live-
// migrated — where the matrix says its device can go.
//
// Names, as the schedulers require them:
// - Placement custom traits: `CUSTOM_` then [A-Z0-9_], at most 255
//   characters (placement/schemas/common.py CUSTOM_TRAIT_PATTERN, trait.py);
//   the type id upper-cased, every other character `_`.
// - Kubernetes label keys: `<prefix>/<name>`, the prefix a DNS subdomain
//   (≤ 253), the name ≤ 63 characters of [A-Za-z0-9._-] beginning and ending
//   with an alphanumeric; values the same, or empty.
// A name that had to be cut to fit, or that two type ids would share once
// sanitised, ends in a short hash of the type id, so groups never merge.
//
// Host names come from inventories: in a script every one is single-quoted
// (shellQuote); one holding a control or format character (which no host or
// node name has, and which a terminal would act on when the script is shown)
// is left out, with a comment that shows it escaped. Kubernetes node names
// must be DNS subdomains: any other host is left out of the labels script
// the same way.

import { shellQuote } from '../plan.js';
import { escapeForTerminal } from '../terminal.js';
import { cryptoModule } from '../trace.js';
import type { CompatibilityMatrix } from './types.js';

/** The compatibility groups: per (type, class), the classes whose hosts belong to it. */
export function compatibilityGroups(m: CompatibilityMatrix): { type: string; class: string; classes: string[] }[] {
  const groups: { type: string; class: string; classes: string[] }[] = [];
  for (const c of m.classes) {
    for (const type of c.types) {
      const classes = [c.id];
      for (const p of m.relation) if (p.type === type && p.from === c.id && p.compatible && p.to !== c.id) classes.push(p.to);
      groups.push({ type, class: c.id, classes });
    }
  }
  return groups;
}

const shortHash = (s: string) => cryptoModule().createHash('sha256').update(s).digest('hex').slice(0, 8);

/**
 * Sanitised names of the matrix's type ids: `clean` maps an id to allowed
 * characters; a result longer than `max`, or shared by two ids, is cut and
 * given a hash of the id (`hashSep` before it).
 */
export function typeNames(types: readonly string[], clean: (t: string) => string, max: number, hashSep: string): Map<string, string> {
  const cleaned = new Map(types.map((t) => [t, clean(t)]));
  const count = new Map<string, number>();
  for (const c of cleaned.values()) count.set(c, (count.get(c) ?? 0) + 1);
  const out = new Map<string, string>();
  for (const [t, c] of cleaned) {
    if (c.length <= max && count.get(c) === 1 && c !== '') out.set(t, c);
    else {
      const suffix = `${hashSep}${shortHash(t)}`;
      out.set(t, `${c.slice(0, Math.max(0, max - suffix.length))}${suffix}`);
    }
  }
  return out;
}

/** Characters that never reach a script: what a terminal would act on, or what hides text. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** A comment line: one line, every unsafe character escaped (escapeForTerminal leaves none). */
function comment(s: string): string {
  return `# ${escapeForTerminal(s)}`;
}

/** Nova Placement: a trait name per compatibility group. */
export const TRAIT_PREFIX = 'CUSTOM_MDEV_';
const TRAIT_MAX = 255;

export function traitNames(m: CompatibilityMatrix): Map<string, string> {
  // The class id (C<n>) and its separator come after the type: the type part gets what is left.
  const classMax = Math.max(0, ...m.classes.map((c) => c.id.length));
  const types = typeNames(m.types, (t) => t.toUpperCase().replace(/[^A-Z0-9_]/g, '_'), TRAIT_MAX - TRAIT_PREFIX.length - 1 - classMax, '_H');
  const names = new Map<string, string>();
  for (const g of compatibilityGroups(m)) names.set(`${g.type}\u0000${g.class}`, `${TRAIT_PREFIX}${types.get(g.type)!.toUpperCase()}_${g.class.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`);
  return names;
}

/** Each host's traits (hosts by class, classes in order). */
export function hostTraits(m: CompatibilityMatrix): Map<string, string[]> {
  const names = traitNames(m);
  const byClass = new Map<string, string[]>(m.classes.map((c) => [c.id, []]));
  for (const g of compatibilityGroups(m)) for (const c of g.classes) byClass.get(c)!.push(names.get(`${g.type}\u0000${g.class}`)!);
  const out = new Map<string, string[]>();
  for (const c of m.classes) for (const h of c.members) out.set(h, [...byClass.get(c.id)!].sort());
  return out;
}

function header(m: CompatibilityMatrix, what: string): string[] {
  const policy = [`${m.policy.name}@${m.policy.version}`, ...m.policy.overlays.map((o) => `${o.name}@${o.version}`)].join(' + ');
  return [
    '#!/bin/sh',
    comment(`${what}, from the mdev compatibility matrix of ${m.hosts} hosts in ${m.classes.length} classes`),
    comment(`policy ${policy}, mode ${m.mode}, digest ${m.policy.digest}; matrix ${m.id}, ${m.time}, ${m.tool.name} ${m.tool.version}`),
  ];
}

/** The hosts a script names, and the comments standing for those it leaves out. */
function scriptHosts(m: CompatibilityMatrix, valid: (h: string) => string | undefined): { hosts: { name: string; class: string }[]; skipped: string[] } {
  const hosts: { name: string; class: string }[] = [];
  const skipped: string[] = [];
  for (const c of m.classes) {
    for (const h of c.members) {
      const why = UNSAFE.test(h) ? 'holds a control or format character' : valid(h);
      if (why) skipped.push(comment(`left out: host \`${h}\` ${why}`));
      else hosts.push({ name: h, class: c.id });
    }
  }
  return { hosts, skipped };
}

/**
 * The Placement script: creates every group's trait, then sets each host's
 * traits on its compute node resource provider (named like the host),
 * keeping the provider's other traits and replacing any CUSTOM_MDEV_ one.
 */
export function renderNovaTraits(m: CompatibilityMatrix): string {
  const names = traitNames(m);
  const traits = hostTraits(m);
  const { hosts, skipped } = scriptHosts(m, () => undefined);
  const lines = [
    ...header(m, 'Nova Placement traits'),
    '#',
    comment(`Trait ${TRAIT_PREFIX}<TYPE>_<CLASS>: the host can run a VM of that mdev type coming from a host of that class — the`),
    comment("class's own hosts, and those of every class its VMs of that type can live-migrate to. Require it in the flavor of"),
    comment('the VMs started on that class (trait:<TRAIT>=required) so that scheduling and live migration stay inside the group.'),
    comment("Each host's compute node resource provider (named like the host) gets its traits; the provider's other traits are"),
    comment(`kept, its former ${TRAIT_PREFIX}* traits replaced. Needs osc-placement (placement API microversion 1.6).`),
    'set -eu',
    'set -f',
    'placement() { openstack --os-placement-api-version 1.6 "$@"; }',
    'mdev_traits() {',
    '  host=$1; shift',
    '  rp=$(placement resource provider list --name "$host" -f value -c uuid)',
    '  if [ -z "$rp" ]; then printf \'mdev-policy: no resource provider named %s\\n\' "$host" >&2; return 1; fi',
    `  keep=$(placement resource provider trait list "$rp" -f value -c name | grep -v '^${TRAIT_PREFIX}' || true)`,
    '  all="$keep $*"',
    '  set --',
    '  for t in $all; do set -- "$@" --trait "$t"; done',
    '  placement resource provider trait set "$@" "$rp" >/dev/null',
    '}',
    '',
    ...[...new Set(names.values())].sort().map((t) => `placement trait create ${t}`),
    '',
    ...skipped,
    ...hosts.map((h) => `mdev_traits ${shellQuote(h.name)}${traits.get(h.name)!.map((t) => ` ${t}`).join('')}`),
  ];
  return `${lines.join('\n')}\n`;
}

// --- Kubernetes ---------------------------------------------------------------------------------------------

export const DEFAULT_LABEL_PREFIX = 'mdev-policy.io';
const LABEL_NAME_MAX = 63;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A DNS subdomain (RFC 1123): what a label prefix and a node name must be. */
export function isDnsSubdomain(s: string): boolean {
  return s.length > 0 && s.length <= 253 && s.split('.').every((l) => DNS_LABEL.test(l));
}

/** A label name part: [A-Za-z0-9._-], alphanumeric at both ends. */
export function isLabelName(s: string): boolean {
  return s.length > 0 && s.length <= LABEL_NAME_MAX && /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(s);
}

/** A type id as part of a label name: other characters become `-`, ends trimmed to alphanumerics. */
function labelPart(t: string): string {
  return t.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** Each host's labels, as key → value (class, and one `group.<type>.<class>` per compatibility group it belongs to). */
export function hostLabels(m: CompatibilityMatrix, prefix = DEFAULT_LABEL_PREFIX): Map<string, [string, string][]> {
  const classMax = Math.max(0, ...m.classes.map((c) => c.id.length));
  // `group.` + type + `.` + class: the type part gets what is left of 63.
  const types = typeNames(m.types, labelPart, LABEL_NAME_MAX - 'group.'.length - 1 - classMax, '-h');
  const byClass = new Map<string, [string, string][]>(m.classes.map((c) => [c.id, [[`${prefix}/class`, c.id.toLowerCase()]]]));
  for (const g of compatibilityGroups(m)) {
    const key = `${prefix}/group.${types.get(g.type)!}.${g.class.toLowerCase()}`;
    for (const c of g.classes) byClass.get(c)!.push([key, 'true']);
  }
  const out = new Map<string, [string, string][]>();
  for (const c of m.classes) for (const h of c.members) out.set(h, byClass.get(c.id)!);
  return out;
}

/** The kubectl script: one `kubectl label node` per host, with every label and --overwrite. */
export function renderK8sLabels(m: CompatibilityMatrix, prefix = DEFAULT_LABEL_PREFIX): string {
  const labels = hostLabels(m, prefix);
  const { hosts, skipped } = scriptHosts(m, (h) => (isDnsSubdomain(h) ? undefined : 'is not a Kubernetes node name (a DNS subdomain)'));
  const lines = [
    ...header(m, 'Kubernetes node labels'),
    '#',
    comment(`${prefix}/class: the node's host class. ${prefix}/group.<type>.<class>=true: the node can run a VM of that mdev type`),
    comment("coming from a node of that class — the class's own nodes, and those of every class its VMs of that type can"),
    comment('live-migrate to. A node affinity on it keeps a VM (and its live migrations) inside the group. Labels of an earlier run'),
    comment('are overwritten, not removed: a group that no longer exists keeps its label until it is removed (`kubectl label node N KEY-`).'),
    'set -eu',
    '',
    ...skipped,
    ...hosts.map((h) => `kubectl label node ${shellQuote(h.name)} --overwrite${labels.get(h.name)!.map(([k, v]) => ` ${k}=${v}`).join('')}`),
  ];
  return `${lines.join('\n')}\n`;
}
