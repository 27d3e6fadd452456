// libvirt's `qemu` hook on the destination host (`/etc/libvirt/hooks/qemu`
// or a script in `qemu.d/`): libvirt runs it as `qemu DOMAIN OPERATION
// SUBOPERATION EXTRA` with the domain XML on stdin. On `migrate begin` it
// decides the incoming VM with the configured policy, the source facts the
// domain carries in its metadata (`annotate`) and this host (collected now,
// or a cached descriptor): it accepts (exit 0, the domain XML rewritten for
// the placement on stdout, which libvirt uses in place of the XML it
// received) or refuses (non-zero, one line on stderr naming the failing
// checks, which libvirt shows the operator). Any error refuses, with its
// code; so does running out of time. Every other operation is left alone:
// exit 0, nothing printed, nothing read.

import { hostname } from 'node:os';
import { formatDiagnostic, isError, type Diagnostic, type Result } from '../errors.js';
import { loadHost, loadPolicySet, hostFromDocument, type PolicyChoice } from '../inputs.js';
import { parseJsonDocument, readTextArgument, type LoadLimits } from '../load.js';
import { evaluate, sameHost } from '../evaluate/decision.js';
import { TargetPicker } from '../evaluate/target.js';
import { renderRefusal } from '../report.js';
import { escapeForTerminal } from '../terminal.js';
import { claimPlan, unplannable } from '../plan.js';
import type { Host } from '../types.js';
import { parseDomain } from './domain.js';
import { readSourceFacts } from './metadata.js';
import { rewriteDomain, vmDevices, vmTypes } from './vm.js';
import { diagnostic } from '../errors.js';

export interface HookOptions {
  policy: PolicyChoice;
  /** A cached Host descriptor of this host; default: collect it from sysfs now. */
  hostFile?: string;
  /** Where sys/ is, for collecting (default /). */
  root: string;
  /** metadata.name of this host when collected (default: the hostname). */
  name?: string;
  /** Facts documents merged into the collected host. */
  facts: readonly string[];
  maxFileBytes: number;
  limits: LoadLimits;
  failOnSkip: boolean;
  /** Refuse when no decision is made within this many milliseconds. */
  timeoutMs: number;
}

export interface HookOutcome {
  exit: 0 | 1 | 2;
  stdout: string;
  stderr: string;
}

/** Whether libvirt's arguments are the one call the hook acts on. */
export const isMigrateBegin = (args: readonly string[]): boolean => args[1] === 'migrate' && args[2] === 'begin';

const oneLine = (s: string) => escapeForTerminal(s).replace(/\s*\n\s*/g, ' ');

/** The hook for libvirt's arguments, with the domain XML read from `stdin` (a path, or - for standard input). */
export async function libvirtQemuHook(args: readonly string[], options: HookOptions, stdin = '-'): Promise<HookOutcome> {
  if (!isMigrateBegin(args)) return { exit: 0, stdout: '', stderr: '' };
  const vm = args[0] ?? '';
  const refuse = (exit: 1 | 2, why: string): HookOutcome => ({ exit, stdout: '', stderr: `mdev-policy refused the migration of ${oneLine(vm)}: ${oneLine(why)}\n` });
  const failed = (errors: readonly Diagnostic[]): HookOutcome => {
    const first = errors.find(isError) ?? errors[0]!;
    const more = errors.filter(isError).length - 1;
    return refuse(2, `error ${formatDiagnostic({ ...first, hint: undefined }).split('\n')[0]!}${more > 0 ? ` (and ${more} more)` : ''}`);
  };
  let timer: NodeJS.Timeout | undefined;
  const late = () => failed([diagnostic('timeout', `no decision within ${options.timeoutMs / 1000} s: refused rather than let the migration wait`)]);
  const timeout = new Promise<HookOutcome>((resolve) => {
    timer = setTimeout(() => resolve(late()), options.timeoutMs);
  });
  // The timer cannot interrupt synchronous work (parsing, deciding): past the deadline, whatever was decided is refused.
  const deadline = Date.now() + options.timeoutMs;
  try {
    const outcome = await Promise.race([decide(vm, options, stdin, refuse, failed), timeout]);
    return Date.now() > deadline ? late() : outcome;
  } catch (e) {
    return failed([diagnostic('internal', `the hook failed: ${String((e as Error)?.message ?? e)}`)]);
  } finally {
    clearTimeout(timer);
  }
}

async function decide(vm: string, options: HookOptions, stdin: string, refuse: (exit: 1 | 2, why: string) => HookOutcome, failed: (e: readonly Diagnostic[]) => HookOutcome): Promise<HookOutcome> {
  const read = await readTextArgument(stdin, options.limits);
  if (!read.ok) return failed(read.errors);
  const domain = parseDomain(read.value, '<stdin>', options.limits.maxDepth);
  if (!domain.ok) return failed(domain.errors);
  // A VM without mdevs is none of this hook's business.
  if (domain.value.mdevs.length === 0) return { exit: 0, stdout: '', stderr: '' };
  const source = readSourceFacts(domain.value, options.limits);
  if (!source.ok) return failed(source.errors);
  if (!source.value) {
    return failed([
      diagnostic('missing-metadata', "the domain carries no mdev-policy metadata (the source host's facts for its mdevs)", { file: '<stdin>' }, {
        hint: 'on the source host: `mdev-policy annotate --domain vm.xml --source host.yaml`, then migrate with `virsh migrate --xml` (or set it with `virsh metadata`)',
      }),
    ]);
  }
  const [policy, local] = await Promise.all([loadPolicySet(options.policy, options.limits), localHost(options)]);
  if (!policy.ok) return failed(policy.errors);
  if (!local.ok) return failed(local.errors);
  const devices = vmDevices(domain.value, source.value);
  if (devices.errors.length > 0) return failed(devices.errors);
  const here = local.value;
  if (sameHost(here.name, source.value.name)) {
    return failed([diagnostic('missing-metadata', `the metadata describes this host (\`${here.name}\`) as the source: it is out of date`, { file: '<stdin>' }, { hint: 'annotate the domain on the host it runs on before migrating' })]);
  }
  const picker = new TargetPicker({ source: source.value.name, to: here.name, vm: vmTypes(source.value, devices.uuids), anyType: policy.value.mode === 'cross-type' });
  const decision = await evaluate({
    policy: policy.value,
    source: source.value,
    devices: devices.uuids,
    destinations: picker.destinations([{ host: here, errors: [] }]),
    destination: { engine: 'compiled', failOnSkip: options.failOnSkip },
    onDestination: (d) => picker.decided(d),
  });
  if (decision.errors.length > 0) return failed(decision.errors);
  const target = picker.named;
  if (!target) return failed([diagnostic('internal', 'this host was not decided')]);
  const ownType = new Map(decision.source.devices.map((d) => [d.uuid, d.type]));
  if (!target.result.compatible) return refuse(1, `policy ${decision.policy.name}@${decision.policy.version} (decision ${decision.id}): ${renderRefusal(target.result, ownType)}`);
  const plan = claimPlan(target.result, target.host.devices, target.reserved);
  const refused = unplannable(plan);
  if (refused) return failed([diagnostic('schema-violation', refused)]);
  // Devices the plan has not created yet: QEMU will not start without them, so say which (libvirt logs it).
  const missing = plan.devices.filter((d) => !target.host.devices.some((x) => x.uuid === d.uuid && x.parent === d.parent && x.type === d.type));
  const notes = [...devices.warnings, ...source.warnings, ...local.warnings].map((w) => `mdev-policy: ${oneLine(formatDiagnostic({ ...w, hint: undefined }))}\n`);
  for (const d of missing) notes.push(`mdev-policy: ${d.uuid} (${oneLine(d.type)} on ${oneLine(d.parent)}) is not on this host yet: create it before the VM starts (\`mdev-policy eval --domain … --format plan\`)\n`);
  return { exit: 0, stdout: rewriteDomain(domain.value, plan, target.host, { annotate: true }), stderr: notes.join('') };
}

/** This host: the cached descriptor, or collected from sysfs now (with the facts documents given). */
async function localHost(options: HookOptions): Promise<Result<Host>> {
  if (options.hostFile !== undefined) return loadHost(options.hostFile, options.limits);
  const [{ collectHost }, { loadFactsFiles }, { checkProducedHost }] = await Promise.all([import('../sysfs.js'), import('../import/facts.js'), import('../import/index.js')]);
  const facts = await loadFactsFiles(options.facts, options.limits);
  if (!facts.ok) return facts;
  const collected = await collectHost({ root: options.root, name: options.name ?? hostname(), maxFileBytes: options.maxFileBytes, facts: facts.value });
  if (!collected.ok) return collected;
  const checked = checkProducedHost(collected.value, options.root);
  if (!checked.ok) return checked;
  const doc = parseJsonDocument(JSON.stringify(checked.value), `${options.root} (collected)`, options.limits);
  if (!doc.ok) return doc;
  const host = hostFromDocument(doc.value);
  return host.ok ? { ...host, warnings: [...collected.warnings, ...checked.warnings, ...host.warnings] } : host;
}
