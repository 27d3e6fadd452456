// `mdev-policy collect`: a Host descriptor from this machine's sysfs (or a copy of it).
import { hostname } from 'node:os';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { factsFlag } from '../cli/flags.js';
import { printHost } from '../cli/host-output.js';

export default class Collect extends BaseCommand {
  static override summary = "Write a Host descriptor of this machine's mdev parents, types and devices, read from sysfs.";
  static override description = `Reads <root>/sys/class/mdev_bus/*/mdev_supported_types/*/ (every readable attribute but the write-only create) and <root>/sys/bus/mdev/devices/* (instance attributes, and one level of attribute groups such as vendor/; not remove, uevent, power/ or links). Never looks past a link that leaves --root (one warning names the link), reads at most --max-file-bytes per file, and reports unreadable files as warnings without stopping.

Facts above the type (DESIGN §10): for each parent that is a PCI device its ids (vendor, device, subsystem_vendor, subsystem_device, revision, class → pci_vendor … pci_class; never config, resource* or rom), for each parent its driver (the driver link's name) and driver_version (sys/module/<module>/version), and an SR-IOV function's pci_physfn; for the host kernel_release (proc/sys/kernel/osrelease), os_id and os_version_id (etc/os-release ID and VERSION_ID) and <module>_version for each module that drives an mdev parent (e.g. nvidia_version). An absent file is an absent fact. --facts merges Facts documents last: facts given win (a changed value warns); facts for a parent id the host lacks go to the SR-IOV virtual functions of that physical function (filling what they lack), else are left out with a warning.

Exit 0 with the document on stdout (an mdev bus with no parents gives an empty Host; one whose parents could not be collected warns); 2, with nothing written, when --root is missing or has no mdev bus, or when a parent, type or device has a name a Host cannot hold (__proto__, constructor, prototype, not a uuid): leaving it out could make a VM look migratable when it is not.`;
  static override examples = [
    { description: 'This host, as YAML', command: '<%= config.bin %> collect > host-a.yaml' },
    { description: 'A copy of another host\'s /sys, as JSON', command: '<%= config.bin %> collect --root /srv/snapshots/host-b --name host-b --format json > host-b.json' },
    { description: 'With the ECC mode and board names nvidia-smi reports', command: 'nvidia-smi -q -x > smi.xml && <%= config.bin %> import nvidia-smi smi.xml > gpu-facts.yaml && <%= config.bin %> collect --facts gpu-facts.yaml > host-a.yaml' },
    { description: 'Collect on both hosts, then decide', command: '<%= config.bin %> collect > a.yaml && ssh host-b mdev-policy collect > b.yaml && <%= config.bin %> eval -s a.yaml -d b.yaml' },
  ];
  static override flags = {
    root: Flags.string({ default: '/', description: 'Directory holding sys/ (a real root, or a copy of one).', helpValue: 'DIR' }),
    name: Flags.string({ description: 'metadata.name of the host; default: this machine\'s hostname.', helpValue: 'NAME' }),
    format: Flags.string({ options: ['yaml', 'json', 'ndjson'], default: 'yaml', description: 'Output format (ndjson: one line, to append to a fleet inventory).' }),
    json: Flags.boolean({ description: 'Same as --format json.' }),
    'max-file-bytes': Flags.integer({ default: 65536, min: 1, description: 'Largest attribute file read, in bytes.', helpValue: 'BYTES' }),
    facts: factsFlag,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Collect);
    const { collectHost } = await import('../sysfs.js');
    const format = flags.json ? 'json' : flags.format;
    const { loadFactsFiles } = await import('../import/facts.js');
    const facts = await loadFactsFiles(flags.facts ?? []);
    if (!facts.ok) return printHost(facts, format);
    const collected = await collectHost({ root: flags.root, name: flags.name ?? hostname(), maxFileBytes: flags['max-file-bytes'], facts: facts.value });
    if (!collected.ok) return printHost(collected, format);
    const { checkProducedHost } = await import('../import/index.js');
    const checked = checkProducedHost(collected.value, flags.root);
    await printHost({ ...checked, warnings: [...collected.warnings, ...checked.warnings] }, format);
  }
}
