// `mdev-policy hook libvirt-qemu`: libvirt's qemu hook on the destination host (src/libvirt/hook.ts).
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base.js';
import { factsFlag, limitFlags, limitsFrom, modeFlag, policyChoice, overlayFlag, policyFlag } from '../../cli/flags.js';
import { isMigrateBegin } from '../../libvirt/hook.js';

export default class HookLibvirtQemu extends BaseCommand {
  static override summary = "libvirt's qemu hook: refuse an incoming live migration whose mdevs this host cannot take, else rewrite the domain XML for them.";
  static override description = `libvirt runs /etc/libvirt/hooks/qemu and every executable in /etc/libvirt/hooks/qemu.d/ as \`HOOK DOMAIN OPERATION SUBOPERATION EXTRA\`, with the domain XML on stdin. Only \`migrate begin\` (on the destination, before QEMU starts there) is acted on: every other operation exits 0 at once, reads nothing and prints nothing.

On \`migrate begin\`: the source host's facts are read from the domain's mdev-policy metadata (written on the source by \`mdev-policy annotate\`), this host is collected from sysfs (or read from --host), and the VM's mdevs are decided with the policy. Compatible: exit 0 and the domain XML on stdout, each mdev hostdev pointing at its device here and the metadata describing this host (libvirt uses it in place of the XML it sent). Refused: exit 1 and one line on stderr naming the failing checks (libvirt shows it as the migration's error). Any error — no metadata, malformed XML, a bad policy, an unreadable host, --timeout passed — refuses with exit 2 and the error's code on that line: never a migration waved through unchecked.

Give the flags before \`--\` and libvirt's arguments after it (a wrapper script: \`exec mdev-policy hook libvirt-qemu --policy … -- "$@"\`).`;
  static override examples = [
    { description: 'What libvirt runs on the destination', command: '<%= config.bin %> hook libvirt-qemu -- vm-gvt migrate begin - < vm.xml' },
    { description: 'With a site policy and a cached host descriptor', command: '<%= config.bin %> hook libvirt-qemu --policy /etc/mdev-policy/site.yaml --host /var/lib/mdev-policy/host.yaml -- vm-gvt migrate begin - < vm.xml' },
  ];
  static override usage = 'hook libvirt-qemu [FLAGS] -- DOMAIN OPERATION SUBOPERATION EXTRA';
  // Only the flags are parsed (libvirtArguments): libvirt's arguments are taken as they come (a domain may be named `--help`).
  // They are declared so that oclif finds this command whatever words follow it.
  static override strict = false;
  static override args = {
    domain: Args.string({ description: "The domain's name.", ignoreStdin: true }),
    operation: Args.string({ description: 'prepare, start, started, stopped, release, migrate, restore, reconnect, attach.', ignoreStdin: true }),
    suboperation: Args.string({ description: 'begin, end, …', ignoreStdin: true }),
    extra: Args.string({ description: '- (libvirt passes it always).', ignoreStdin: true }),
  };
  static override flags = {
    policy: policyFlag,
    overlay: overlayFlag,
    mode: modeFlag,
    host: Flags.string({ description: 'Host descriptor of this host (e.g. written by `mdev-policy collect` at boot); default: collect it from sysfs now.', helpValue: 'FILE' }),
    root: Flags.string({ default: '/', description: 'Directory holding sys/ when collecting.', helpValue: 'DIR' }),
    name: Flags.string({ description: "This host's name when collecting; default: the hostname.", helpValue: 'NAME' }),
    facts: factsFlag,
    'max-file-bytes': Flags.integer({ default: 65536, min: 1, description: 'Largest sysfs attribute file read when collecting, in bytes.', helpValue: 'BYTES' }),
    'fail-on-skip': Flags.boolean({ description: 'Refuse when a check could not be made (its attribute absent on both hosts).' }),
    timeout: Flags.integer({ default: 20, min: 1, max: 600, description: 'Refuse when no decision is made within this many seconds (libvirt itself never times a hook out).', helpValue: 'SECONDS' }),
    ...limitFlags,
  };

  async run(): Promise<void> {
    // Anything but `migrate begin` returns before any parsing: a hook that failed on `start` or `reconnect` would stop VMs or kill running ones.
    const { args, flags: given } = libvirtArguments(this.argv);
    if (!isMigrateBegin(args)) return;
    let flags;
    try {
      ({ flags } = await this.parse(HookLibvirtQemu, given));
    } catch (e) {
      // A wrapper with a wrong flag: the migration is refused, on the one line libvirt shows.
      const { escapeForTerminal } = await import('../../terminal.js');
      this.writeErr(`mdev-policy refused the migration of ${escapeForTerminal(args[0] ?? '')}: error usage: ${escapeForTerminal(String((e as Error).message ?? e).split('\n')[0]!)}\n`);
      process.exitCode = 2;
      return;
    }
    const { libvirtQemuHook } = await import('../../libvirt/hook.js');
    const { DEFAULT_LIMITS } = await import('../../load.js');
    const outcome = await libvirtQemuHook(args, {
      policy: policyChoice(flags),
      ...(flags.host !== undefined ? { hostFile: flags.host } : {}),
      root: flags.root,
      ...(flags.name !== undefined ? { name: flags.name } : {}),
      facts: flags.facts ?? [],
      maxFileBytes: flags['max-file-bytes'],
      limits: limitsFrom(flags, DEFAULT_LIMITS),
      failOnSkip: flags['fail-on-skip'],
      timeoutMs: flags.timeout * 1000,
    });
    this.write(outcome.stdout);
    this.writeErr(outcome.stderr);
    process.exitCode = outcome.exit;
    // A read of stdin still waiting when time ran out must not hold the process (and the migration) open.
    if (outcome.exit !== 0) process.exit(outcome.exit);
  }
}

/**
 * libvirt's arguments (DOMAIN OPERATION SUBOPERATION EXTRA) and the flags
 * around them. A call holding the words `migrate begin` is always taken as
 * that call, whatever else it holds (a wrapper that misplaces its flags, or
 * omits `--`, refuses rather than lets a migration pass unchecked): the word
 * before the last `migrate begin` is the domain, the word after it libvirt's
 * extra argument, and the flags are what comes before the domain (without a
 * closing `--`) and after those four words. Any other call is not acted on.
 */
export function libvirtArguments(argv: readonly string[]): { args: string[]; flags: string[] } {
  for (let i = argv.length - 2; i >= 0; i--) {
    if (argv[i] !== 'migrate' || argv[i + 1] !== 'begin') continue;
    const start = Math.max(0, i - 1);
    const before = argv.slice(0, start);
    if (before[before.length - 1] === '--') before.pop();
    return { args: [i > 0 ? argv[i - 1]! : '', ...argv.slice(i, i + 3)], flags: [...before, ...argv.slice(i + 3)] };
  }
  const dashes = argv.indexOf('--');
  return { args: dashes >= 0 ? argv.slice(dashes + 1) : argv.slice(-4), flags: [] };
}
