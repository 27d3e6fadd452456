// `mdev-policy import nvidia-smi FILE…`: a Facts document from `nvidia-smi -q -x`, for --facts.
import path from 'node:path';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base.js';

export default class ImportNvidiaSmi extends BaseCommand {
  static override summary = 'Write a Facts document from the XML of `nvidia-smi -q -x`, to merge into a Host with `collect --facts` or `import … --facts`.';
  static override description = `<driver_version> becomes the host fact nvidia_version (the vGPU manager's version); each <gpu id="00000000:3B:00.0"> becomes the parent 0000:3b:00.0 (the sysfs form) with product_name, vbios_version, pci_device and pci_vendor (<pci_device_id> 20B510DE: device 0x20b5, vendor 0x10de), pci_subsystem_device and pci_subsystem_vendor (<pci_sub_system_id> 151E10DE: 0x151e, 0x10de) and ecc_mode (<ecc_mode><current_ecc>, lowercased: enabled, disabled, n/a). N/A names are left out. The ids are written as sysfs writes them, so they equal what collect reads.

Several files (one per GPU, \`nvidia-smi -q -x -i N\`) merge into one document; a value two files give differently is an error. Entities are never expanded and a document that declares any is refused; malformed XML is an error (exit 2) with the file's line:col.

On an SR-IOV vGPU host (Ampere and later) the mdev parents are the GPU's virtual functions: --facts gives the physical GPU's facts to each of them.`;
  static override examples = [
    { description: 'One Host with types and NVIDIA facts', command: 'nvidia-smi -q -x > smi.xml && <%= config.bin %> import nvidia-smi smi.xml --name host-a > gpu-facts.yaml && <%= config.bin %> collect --facts gpu-facts.yaml > host-a.yaml' },
    { description: 'With libvirt node-device XML instead of sysfs', command: '<%= config.bin %> import nvidia-smi smi.xml > gpu-facts.yaml && <%= config.bin %> import libvirt gpu.xml vgpu.xml --facts gpu-facts.yaml > host-a.yaml' },
  ];
  static override strict = false;
  static override args = { files: Args.string({ required: true, description: 'nvidia-smi XML files (`nvidia-smi -q -x`) of one host.' }) };
  static override flags = {
    name: Flags.string({ description: 'metadata.name of the document; default: the first file\'s name without extension.', helpValue: 'NAME' }),
    format: Flags.string({ options: ['yaml', 'json'], default: 'yaml', description: 'Output format.' }),
    json: Flags.boolean({ description: 'Same as --format json.' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(ImportNvidiaSmi);
    const files = argv as string[];
    const lib = await import('../../index.js');
    const { importNvidiaSmiFiles, renderFacts } = await import('../../import/index.js');
    const result = await importNvidiaSmiFiles(files, flags.name ?? path.basename(files[0]!).replace(/\.[^.]*$/, ''));
    this.writeErr(lib.renderDiagnostics([...result.errors, ...result.warnings]));
    if (!result.ok) {
      process.exitCode = 2;
      return;
    }
    this.write(renderFacts(result.value, flags.json || flags.format === 'json' ? 'json' : 'yaml'));
  }
}
