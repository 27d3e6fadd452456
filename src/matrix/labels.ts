// The matrix as scheduler hints: Nova Placement traits (`matrix --format
// nova-traits`) and Kubernetes node labels (`--format k8s-labels`), both as
// POSIX shell scripts an operator reads, then runs.
//
// What a trait or label means: a *compatibility group* of one mdev type T —
// a set of hosts among which a VM of type T can live-migrate in every
// direction: for any two distinct hosts X and Y of the group, the matrix
// says (T, class of X → class of Y) is compatible (two hosts of one class:
// that class's own pair; a class of one host has no pair with itself and
// needs none). A VM that requires the group of the class it starts on (a
// flavor's `trait:CUSTOM_MDEV_<T>_<FP>=required`; a node affinity on
// `<prefix>/group.<T>.<fp>`) is then only ever scheduled, and live-migrated,
// among hosts that can all take it from one another, whatever the number of
// hops. One-way moves (an old class to a new one during an upgrade, C1 → C2
// ✓ but C2 → C1 ✗) are not expressed by groups: the matrix and
// `--plan-upgrade` say those. Free instances are not: the schedulers count
// them (Placement inventories, device plugin resources), so the exports'
// matrix is decided as if every type had room and no device were running
// (buildMatrix `assumeRoom`: under `parentCapacity: one` a running VM takes
// its GPU for its type, which the scheduler also tracks), and a class, its
// name and its groups do not change as VMs start and stop.
//
// The groups, deterministically: per type T, the classes offering T are taken
// in the order of their fingerprints (below). A class A of two or more hosts
// whose own pair (T, A → A) is refused gets no group for T (the script says
// so in a comment). Every other class A anchors one group: {A}, then each
// other class B in fingerprint order with (T, A → B) compatible, B's own pair
// compatible (or B a single host), and, for every class M already in the
// group, both (T, M → B) and (T, B → M) compatible. Two anchors may end with
// the same set of classes: each keeps its own name, so that the name a VM
// requires is always that of the class it started on.
//
// Names are content, not input order: a group is named after its anchor
// class's fingerprint, the first 8 hex digits of the sha256 of the class's
// facts as canonical JSON (keys sorted, the parent shapes as a set; a list
// value keeps its order and a string its blanks: the policy reads them) —
// what defines the class, free instances aside — so the same class gets the
// same name in every run and whatever the order of the inventories. When two
// classes of a matrix share 8 digits, every fingerprint is lengthened (12,
// 16, … digits); two classes whose shown facts are equal (a class key holds
// more than its facts show) each add their least host name to what is
// hashed, the one case where a name depends on a member. Reordering the input changes a script's
// header (id, time) and the order of the hosts within a class, nothing else.
//
// Names, as the schedulers require them:
// - Placement custom traits: `CUSTOM_` then [A-Z0-9_], at most 255
//   characters (placement/schemas/common.py CUSTOM_TRAIT_PATTERN, trait.py):
//   CUSTOM_MDEV_<TYPE>_<FP>, the type id upper-cased, every other character
//   `_`, the fingerprint upper-cased.
// - Kubernetes label keys: `<prefix>/<name>`, the prefix a DNS subdomain
//   (≤ 253), the name ≤ 63 characters of [A-Za-z0-9._-] beginning and ending
//   with an alphanumeric; values the same, or empty: `<prefix>/class=<fp>`
//   and `<prefix>/group.<type>.<fp>=true`.
// A type name that had to be cut to fit, or that two type ids would share
// once sanitised, ends in a short hash of the type id, so groups never merge.
//
// Earlier runs: the Placement script replaces a provider's CUSTOM_MDEV_*
// traits with the new ones; the Kubernetes script removes, per node, every
// label under `<prefix>/` that it does not set, in the same `kubectl label`
// call, so a host that left a group loses its label.
//
// Host names come from inventories: in a script every one is single-quoted
// (shellQuote), and passed to an option as `--opt=VALUE` so that a name such
// as `-n` is never read as an option; one holding a control or format
// character (which no host or node name has, and which a terminal would act
// on when the script is shown) is left out, with a comment that shows it
// escaped. Kubernetes node names must be DNS subdomains: any other host is
// left out of the labels script the same way.

import { shellQuote } from '../plan.js';
import { escapeForTerminal } from '../terminal.js';
import { cryptoModule } from '../trace.js';
import type { CompatibilityMatrix, HostClass } from './types.js';

const sha256 = (s: string) => cryptoModule().createHash('sha256').update(s).digest('hex');
const shortHash = (s: string) => sha256(s).slice(0, 8);

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A value as canonical JSON: object keys sorted; arrays and strings as they
 * are — a list's order is the policy's to read (`one-to-one` compares the
 * first values), and the facts are normalised already.
 */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort(byCodeUnits);
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** A class's facts as canonical JSON: its parent shapes as a set (their order is the representative's, whichever host came first). */
function canonicalFacts(facts: HostClass['facts']): string {
  return `{"host":${canonicalJson(facts.host)},"parents":[${facts.parents.map(canonicalJson).sort(byCodeUnits).join(',')}]}`;
}

/** The shortest fingerprint; lengthened by this many hex digits at a time while two classes share one. */
export const FINGERPRINT_MIN = 8;
const FINGERPRINT_STEP = 4;

/**
 * Each class's fingerprint (class id → lower-case hex): the sha256 of its
 * facts as canonical JSON, cut to 8 hex digits, or to as many more (by 4)
 * as make every class of the matrix differ. Classes whose canonical facts are
 * equal hash their least member name too (members never overlap).
 */
export function classFingerprints(m: CompatibilityMatrix): Map<string, string> {
  const canon = new Map(m.classes.map((c) => [c.id, canonicalFacts(c.facts)]));
  const full = new Map<string, string>();
  const byDigest = new Map<string, HostClass[]>();
  for (const c of m.classes) {
    const d = sha256(canon.get(c.id)!);
    full.set(c.id, d);
    const same = byDigest.get(d);
    if (same) same.push(c);
    else byDigest.set(d, [c]);
  }
  for (const same of byDigest.values()) {
    if (same.length < 2) continue;
    for (const c of same) {
      const least = c.members.reduce((a, b) => (b < a ? b : a), c.members[0] ?? '');
      full.set(c.id, sha256(`${canon.get(c.id)!}\u0000${least}`));
    }
  }
  let len = FINGERPRINT_MIN;
  while (len < 64 && new Set([...full.values()].map((d) => d.slice(0, len))).size < full.size) len += FINGERPRINT_STEP;
  return new Map([...full].map(([id, d]) => [id, d.slice(0, len)]));
}

/** One compatibility group: hosts among which a VM of `type` can move in every direction. */
export interface CompatibilityGroup {
  type: string;
  /** The anchor class (its id in this matrix): the group is named after its fingerprint. */
  class: string;
  fingerprint: string;
  /** The member classes: the anchor, then the others in fingerprint order. */
  classes: string[];
}

export interface CompatibilityGroups {
  /** Class id → fingerprint (classFingerprints). */
  fingerprints: Map<string, string>;
  /** Per type (sorted), one group per anchor class, anchors in fingerprint order. */
  groups: CompatibilityGroup[];
  /** The (type, class) with no group: a class of two or more hosts whose own pair for the type is refused. */
  ungrouped: { type: string; class: string }[];
}

/**
 * The compatibility groups, closed under the matrix's relation: every
 * ordered pair of distinct hosts of a group is a compatible move for its
 * type (the construction is in the header comment).
 */
export function compatibilityGroups(m: CompatibilityMatrix): CompatibilityGroups {
  const fingerprints = classFingerprints(m);
  const fp = (id: string) => fingerprints.get(id)!;
  const ordered = [...m.classes].sort((a, b) => byCodeUnits(fp(a.id), fp(b.id)));
  // Per type, the classes offering it (fingerprint order) and their compatible pairs as an n × n table.
  const perType = new Map<string, { offering: HostClass[]; index: Map<string, number>; ok: Uint8Array }>();
  for (const type of m.types) {
    const offering = ordered.filter((c) => c.types.includes(type));
    perType.set(type, { offering, index: new Map(offering.map((c, i) => [c.id, i])), ok: new Uint8Array(offering.length * offering.length) });
  }
  for (const p of m.relation) {
    if (!p.compatible) continue;
    const t = perType.get(p.type);
    const from = t?.index.get(p.from);
    const to = t?.index.get(p.to);
    if (t && from !== undefined && to !== undefined) t.ok[from * t.offering.length + to] = 1;
  }
  const groups: CompatibilityGroup[] = [];
  const ungrouped: { type: string; class: string }[] = [];
  for (const [type, { offering, ok: table }] of perType) {
    const n = offering.length;
    const ok = (i: number, j: number) => table[i * n + j] === 1;
    const selfClosed = offering.map((c, i) => c.members.length < 2 || ok(i, i));
    // mutual[i]: the bit set of the classes j ≠ i with both i → j and j → i compatible.
    const words = (n + 31) >>> 5;
    const mutual = offering.map(() => new Uint32Array(words));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        if (!ok(i, j) || !ok(j, i)) continue;
        mutual[i]![j >>> 5]! |= 1 << (j & 31);
        mutual[j]![i >>> 5]! |= 1 << (i & 31);
      }
    }
    for (let a = 0; a < n; a++) {
      const anchor = offering[a]!;
      if (!selfClosed[a]) {
        ungrouped.push({ type, class: anchor.id });
        continue;
      }
      const members = [a];
      const bits = new Uint32Array(words);
      bits[a >>> 5]! |= 1 << (a & 31);
      for (let b = 0; b < n; b++) {
        // (a → b) and (b → a) are among the mutual checks, a being in the group.
        if (b === a || !selfClosed[b] || !ok(a, b)) continue;
        const with_ = mutual[b]!;
        let fits = true;
        for (let w = 0; w < words && fits; w++) fits = (bits[w]! & ~with_[w]!) === 0;
        if (!fits) continue;
        members.push(b);
        bits[b >>> 5]! |= 1 << (b & 31);
      }
      groups.push({ type, class: anchor.id, fingerprint: fp(anchor.id), classes: members.map((i) => offering[i]!.id) });
    }
  }
  return { fingerprints, groups, ungrouped };
}

/** The fingerprints' length (they all have one). */
const fingerprintLength = (g: CompatibilityGroups) => (g.fingerprints.values().next().value ?? '').length || FINGERPRINT_MIN;

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

/** The matrix's classes in fingerprint order. */
function orderedClasses(m: CompatibilityMatrix, g: CompatibilityGroups): HostClass[] {
  return [...m.classes].sort((a, b) => byCodeUnits(g.fingerprints.get(a.id)!, g.fingerprints.get(b.id)!));
}

/** Per class id, the names (by `name(group)`) of the groups it belongs to. */
function namesByClass(m: CompatibilityMatrix, g: CompatibilityGroups, name: (group: CompatibilityGroup) => string): Map<string, string[]> {
  const byClass = new Map<string, string[]>(m.classes.map((c) => [c.id, []]));
  for (const group of g.groups) for (const c of group.classes) byClass.get(c)!.push(name(group));
  return byClass;
}

/** Nova Placement: a trait name per compatibility group. */
export const TRAIT_PREFIX = 'CUSTOM_MDEV_';
const TRAIT_MAX = 255;

/** The trait of each group, keyed `type \0 anchor class id`. */
export function traitNames(m: CompatibilityMatrix, g: CompatibilityGroups = compatibilityGroups(m)): Map<string, string> {
  // The fingerprint and its separator come after the type: the type part gets what is left.
  const types = typeNames(m.types, (t) => t.toUpperCase().replace(/[^A-Z0-9_]/g, '_'), TRAIT_MAX - TRAIT_PREFIX.length - 1 - fingerprintLength(g), '_H');
  const names = new Map<string, string>();
  for (const group of g.groups) names.set(`${group.type}\u0000${group.class}`, `${TRAIT_PREFIX}${types.get(group.type)!.toUpperCase()}_${group.fingerprint.toUpperCase()}`);
  return names;
}

/** Each host's traits, sorted: those of every group its class belongs to. */
export function hostTraits(m: CompatibilityMatrix, g: CompatibilityGroups = compatibilityGroups(m)): Map<string, string[]> {
  const names = traitNames(m, g);
  const byClass = namesByClass(m, g, (group) => names.get(`${group.type}\u0000${group.class}`)!);
  const out = new Map<string, string[]>();
  for (const c of orderedClasses(m, g)) for (const h of c.members) out.set(h, [...byClass.get(c.id)!].sort(byCodeUnits));
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

/** The comments naming the classes without a group for a type. */
function ungroupedComments(m: CompatibilityMatrix, g: CompatibilityGroups): string[] {
  const size = new Map(m.classes.map((c) => [c.id, c.members.length]));
  return g.ungrouped.map((u) =>
    comment(`no group for ${u.type} on class ${g.fingerprints.get(u.class)!} (${size.get(u.class)} hosts): its hosts cannot exchange VMs of that type (the matrix refuses the class's own pair)`),
  );
}

/** The hosts a script names (classes in fingerprint order), and the comments standing for those it leaves out. */
function scriptHosts(m: CompatibilityMatrix, g: CompatibilityGroups, valid: (h: string) => string | undefined): { hosts: { name: string; class: string }[]; skipped: string[] } {
  const hosts: { name: string; class: string }[] = [];
  const skipped: string[] = [];
  for (const c of orderedClasses(m, g)) {
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
  const g = compatibilityGroups(m);
  const names = traitNames(m, g);
  const traits = hostTraits(m, g);
  const { hosts, skipped } = scriptHosts(m, g, () => undefined);
  const ungrouped = ungroupedComments(m, g);
  const lines = [
    ...header(m, 'Nova Placement traits'),
    '#',
    comment(`Trait ${TRAIT_PREFIX}<TYPE>_<FP>: a compatibility group of that mdev type, named after its anchor class (FP: a fingerprint`),
    comment("of the class's facts, free instances aside, so the same class has the same name in every run). Its hosts can all take a VM"),
    comment('of that type from one another, in every direction: the anchor class, and each class that can exchange such VMs both'),
    comment('ways with every class already in the group. One-way moves (an old class to a new one, during an upgrade) are in no'),
    comment('group: see the matrix. Require the trait of the class a VM starts on in its flavor (trait:<TRAIT>=required) so that'),
    comment('scheduling and every live migration stay inside the group. A class whose hosts cannot exchange VMs of a type has no'),
    comment("group for it. Each host's compute node resource provider (named like the host) gets its traits; the provider's other"),
    comment(`traits are kept, its former ${TRAIT_PREFIX}* traits replaced; every other provider loses its ${TRAIT_PREFIX}* traits (a host gone`),
    comment('from the inventory, left out below, or on a line that could not be read is in no group). Needs osc-placement'),
    comment('(placement API microversion 1.6).'),
    ...(ungrouped.length > 0 ? ['#', ...ungrouped] : []),
    'set -eu',
    'set -f',
    'placement() { openstack --os-placement-api-version 1.6 "$@"; }',
    // Each step checked (`|| return 1`): a function called as `f || failed=1` runs without set -e, and a failed listing
    // must never lead to setting the traits without the provider's own.
    'mdev_traits() {',
    '  host=$1; shift',
    '  rp=$(placement resource provider list --name="$host" -f value -c uuid) || return 1',
    '  if [ -z "$rp" ]; then printf \'mdev-policy: no resource provider named %s\\n\' "$host" >&2; return 1; fi',
    '  had=$(placement resource provider trait list "$rp" -f value -c name) || return 1',
    `  keep=$(printf '%s\\n' "$had" | grep -v '^${TRAIT_PREFIX}' || true)`,
    '  all="$keep $*"',
    '  set --',
    '  for t in $all; do set -- "$@" --trait="$t"; done',
    '  placement resource provider trait set "$@" "$rp" >/dev/null || return 1',
    '}',
    'mdev_sweep() {',
    '  rp=$1',
    '  had=$(placement resource provider trait list "$rp" -f value -c name) || return 1',
    `  keep=$(printf '%s\\n' "$had" | grep -v '^${TRAIT_PREFIX}' || true)`,
    '  if [ "$keep" = "$had" ]; then return 0; fi',
    '  if [ -z "$keep" ]; then placement resource provider trait delete "$rp" >/dev/null || return 1; return 0; fi',
    '  set --',
    '  for t in $keep; do set -- "$@" --trait="$t"; done',
    '  placement resource provider trait set "$@" "$rp" >/dev/null || return 1',
    '}',
    'failed=0',
    '',
    ...[...new Set(names.values())].sort(byCodeUnits).map((t) => `placement trait create ${t}`),
    '',
    // First every provider this run does not name (one name a line: no host name here holds a newline, those are left
    // out below) loses its CUSTOM_MDEV_ traits; then each named host gets its own. A host with no provider is said and
    // the run goes on; the exit code says it.
    `named=${shellQuote(`\n${hosts.map((h) => h.name).sort(byCodeUnits).join('\n')}\n`)}`,
    'providers=$(placement resource provider list -f value -c uuid -c name)',
    'while IFS= read -r line; do',
    '  rp=${line%% *}',
    '  name=${line#* }',
    '  [ -n "$rp" ] || continue',
    '  case $named in',
    '    *"',
    '$name',
    '"*) ;;',
    '    *) mdev_sweep "$rp" || failed=1 ;;',
    '  esac',
    'done <<EOF',
    '$providers',
    'EOF',
    '',
    ...skipped,
    ...hosts.map((h) => `mdev_traits ${shellQuote(h.name)}${traits.get(h.name)!.map((t) => ` ${t}`).join('')} || failed=1`),
    `if [ "$failed" -ne 0 ]; then echo 'mdev-policy: some providers were not updated (above)' >&2; exit 1; fi`,
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

/** Each host's labels, as key → value: `<prefix>/class=<fp>`, then one `group.<type>.<fp>=true` per group it belongs to (sorted). */
export function hostLabels(m: CompatibilityMatrix, prefix = DEFAULT_LABEL_PREFIX, g: CompatibilityGroups = compatibilityGroups(m)): Map<string, [string, string][]> {
  // `group.` + type + `.` + fingerprint: the type part gets what is left of 63.
  const types = typeNames(m.types, labelPart, LABEL_NAME_MAX - 'group.'.length - 1 - fingerprintLength(g), '-h');
  const byClass = namesByClass(m, g, (group) => `${prefix}/group.${types.get(group.type)!}.${group.fingerprint}`);
  const out = new Map<string, [string, string][]>();
  for (const c of orderedClasses(m, g)) {
    const labels: [string, string][] = [[`${prefix}/class`, g.fingerprints.get(c.id)!], ...[...byClass.get(c.id)!].sort(byCodeUnits).map((k): [string, string] => [k, 'true'])];
    for (const h of c.members) out.set(h, labels);
  }
  return out;
}

/**
 * The kubectl script: per node, one `kubectl label node … --overwrite` with
 * every label of the node and `KEY-` for each label under the prefix the node
 * has and this run does not set (read with `kubectl get node`).
 */
export function renderK8sLabels(m: CompatibilityMatrix, prefix = DEFAULT_LABEL_PREFIX): string {
  const g = compatibilityGroups(m);
  const labels = hostLabels(m, prefix, g);
  // The kubelet registers a host under its name in lower case (a node name is a DNS subdomain).
  const { hosts, skipped } = scriptHosts(m, g, (h) => (isDnsSubdomain(h.toLowerCase()) ? undefined : 'is not a Kubernetes node name (a DNS subdomain)'));
  const ungrouped = ungroupedComments(m, g);
  const lines = [
    ...header(m, 'Kubernetes node labels'),
    '#',
    comment(`${prefix}/class=<fp>: the node's host class, named by a fingerprint of its facts (free instances aside), so the`),
    comment(`same class has the same name in every run. ${prefix}/group.<type>.<fp>=true: the node is in the compatibility`),
    comment('group of that mdev type anchored at class <fp>. The nodes of a group can all take a VM of that type from one another,'),
    comment('in every direction: the anchor class, and each class that can exchange such VMs both ways with every class already'),
    comment('in the group. One-way moves (an old class to a new one, during an upgrade) are in no group: see the matrix. A node'),
    comment('affinity on the group of the class a VM starts on keeps it, and every live migration, inside the group. A class whose'),
    comment(`nodes cannot exchange VMs of a type has no group for it. Any other label under ${prefix}/ that a node has (from an`),
    comment('earlier run) is removed, and so are those of every node of the cluster this run does not name (gone from the'),
    comment('inventory, left out below, or on a line that could not be read): a node the matrix did not decide is in no group.'),
    ...(ungrouped.length > 0 ? ['#', ...ungrouped] : []),
    'set -eu',
    'set -f',
    `prefix=${shellQuote(`${prefix}/`)}`,
    // Each step checked (`|| return 1`): a function called as `f || failed=1` runs without set -e.
    'mdev_labels() {',
    '  node=$1; shift',
    "  had=$(kubectl get node \"$node\" -o go-template='{{range $k, $v := .metadata.labels}}{{println $k}}{{end}}') || return 1",
    '  for k in $had; do',
    '    case $k in "$prefix"*) ;; *) continue ;; esac',
    '    new=',
    '    for l in "$@"; do if [ "${l%%=*}" = "$k" ]; then new=1; fi; done',
    '    if [ -z "$new" ]; then set -- "$@" "$k-"; fi',
    '  done',
    '  if [ $# -gt 0 ]; then kubectl label node "$node" --overwrite "$@" || return 1; fi',
    '}',
    'failed=0',
    '',
    // First every node this run does not name loses its labels under the prefix (node names are DNS subdomains, checked
    // below, so a space-separated list of them is unambiguous); then each named node gets its own. A node that is not
    // there is said and the run goes on; the exit code says it.
    `named=${shellQuote(` ${hosts.map((h) => h.name.toLowerCase()).sort().join(' ')} `)}`,
    "nodes=$(kubectl get nodes -o go-template='{{range .items}}{{println .metadata.name}}{{end}}')",
    'for node in $nodes; do',
    '  case $named in *" $node "*) ;; *) mdev_labels "$node" || failed=1 ;; esac',
    'done',
    '',
    ...skipped,
    ...hosts.map((h) => `mdev_labels ${shellQuote(h.name.toLowerCase())}${labels.get(h.name)!.map(([k, v]) => ` ${k}=${v}`).join('')} || failed=1`),
    `if [ "$failed" -ne 0 ]; then echo 'mdev-policy: some nodes were not labelled (above)' >&2; exit 1; fi`,
  ];
  return `${lines.join('\n')}\n`;
}
