// `mdev-policy import libvirt FILE…`: a Host descriptor from libvirt node-device XML.
import path from 'node:path';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base.js';
import { factsFlag } from '../../cli/flags.js';
import { printHost } from '../../cli/host-output.js';

export default class ImportLibvirt extends BaseCommand {
  static override summary = 'Write a Host descriptor from libvirt node-device XML (`virsh nodedev-dumpxml`).';
  static override description =
    "`mdev_types` capabilities (under `pci`, `css` or `ap_matrix`) become parents and types; `mdev` capabilities become devices with their <attr>s. A parent's facts come with it: driver (<driver><name>), and for a PCI parent pci_vendor, pci_device (<vendor id>, <product id>), pci_class and pci_physfn (an SR-IOV virtual function's phys_function); --facts merges more (see `collect --help`). Parent ids take the sysfs form (PCI address domain:bus:slot.function, css id, else the <path> basename, else the device name). Entities are never expanded; a document that declares any is refused. Malformed XML is an error (exit 2) with the file's line:col.";
  static override examples = [
    { description: 'A GPU and its vGPUs', command: 'virsh nodedev-dumpxml pci_0000_00_02_0 > gpu.xml && virsh nodedev-dumpxml mdev_83b8f4f2_509f_382f_3c1e_e6bfe0fa1001 > vgpu.xml && <%= config.bin %> import libvirt gpu.xml vgpu.xml --name host-a' },
  ];
  static override strict = false;
  static override args = { files: Args.string({ required: true, description: 'Node-device XML files (one <device> each, or several under any root element).' }) };
  static override flags = {
    name: Flags.string({ description: 'metadata.name of the host; default: the first file\'s name without extension.', helpValue: 'NAME' }),
    format: Flags.string({ options: ['yaml', 'json', 'ndjson'], default: 'yaml', description: 'Output format (ndjson: one line, to append to a fleet inventory).' }),
    json: Flags.boolean({ description: 'Same as --format json.' }),
    facts: factsFlag,
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(ImportLibvirt);
    const files = argv as string[];
    const { importLibvirtFiles } = await import('../../import/index.js');
    const { loadFactsFiles } = await import('../../import/facts.js');
    const facts = await loadFactsFiles(flags.facts ?? []);
    if (!facts.ok) return printHost(facts, flags.json ? 'json' : flags.format);
    const result = await importLibvirtFiles(files, flags.name ?? path.basename(files[0]!).replace(/\.[^.]*$/, ''), undefined, facts.value);
    await printHost(result, flags.json ? 'json' : flags.format);
  }
}
