// `mdev-policy annotate`: the source host's facts for a VM's mdevs, written into its domain XML's metadata.
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { limitFlags, limitsFrom } from '../cli/flags.js';

export default class Annotate extends BaseCommand {
  static override summary = "Write the source host's facts for a VM's mdevs into its domain XML, where the destination's hook reads them.";
  static override description = `Reads the domain XML (\`virsh dumpxml VM\`, - for stdin) and the source Host descriptor, checks that each mdev hostdev is a device of that host with a model matching its type's device_api, and prints the domain XML with one element added under <metadata> (namespace ${'urn:mdev-policy:source:1'}): the host's facts, each device's parent with its facts and type with every attribute, and the devices. An element already there is replaced; every other byte is kept. libvirt keeps custom metadata with the domain and sends it along on migration, so \`mdev-policy hook libvirt-qemu\` on the destination decides with the source's facts.

--format element prints only that element, for \`virsh metadata VM --uri urn:mdev-policy:source:1 --key mdev-policy --set "$(…)" --live --config\`.

Exit 0 with the XML on stdout; 2 with nothing on stdout when the XML, the host or a device is wrong.`;
  static override examples = [
    { description: 'Annotate, then migrate with the annotated XML', command: 'virsh dumpxml vm-gvt | <%= config.bin %> annotate --domain - --source host-a.yaml > vm-gvt.xml && virsh migrate --live --xml vm-gvt.xml vm-gvt qemu+ssh://host-b/system' },
    { description: 'Set the metadata on the running domain instead', command: 'virsh metadata vm-gvt --uri urn:mdev-policy:source:1 --key mdev-policy --live --config --set "$(virsh dumpxml vm-gvt | <%= config.bin %> annotate --domain - --source host-a.yaml --format element)"' },
  ];
  static override flags = {
    domain: Flags.string({ required: true, description: 'The domain XML (virsh dumpxml); - for stdin.', helpValue: 'FILE|-' }),
    source: Flags.string({ char: 's', required: true, description: 'Host descriptor of the host the VM runs on (YAML or JSON; `mdev-policy collect`).', helpValue: 'FILE' }),
    format: Flags.string({ options: ['xml', 'element'], default: 'xml', description: 'xml: the whole domain XML; element: only the metadata element.' }),
    ...limitFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Annotate);
    const lib = await import('../index.js');
    const limits = limitsFrom(flags, lib.DEFAULT_LIMITS);
    const [domain, source] = await Promise.all([lib.loadDomain(flags.domain, limits), lib.loadHost(flags.source, limits)]);
    const vm = domain.value && source.value ? lib.vmDevices(domain.value, source.value) : undefined;
    const problems = [...domain.errors, ...source.errors, ...(vm?.errors ?? [])];
    if (!domain.value || !source.value || !vm || vm.errors.length > 0) {
      this.writeErr(lib.renderDiagnostics([...problems, ...source.warnings, ...(vm?.warnings ?? [])]));
      process.exitCode = 2;
      return;
    }
    this.write(flags.format === 'element' ? `${lib.sourceFactsElement(source.value, vm.uuids)}\n` : lib.annotateDomain(domain.value, source.value, vm.uuids));
    this.writeErr(lib.renderDiagnostics([...source.warnings, ...vm.warnings]));
  }
}
