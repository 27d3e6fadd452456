// Import: `nvidia-smi -q -x` (the <nvidia_smi_log> XML) into facts (DESIGN
// §10), for `collect --facts` / `import … --facts` to merge into a Host:
//
//   <driver_version>550.90.05           → host fact nvidia_version (the
//                                          vGPU manager: the nvidia module's
//                                          version, as /sys/module/nvidia/version)
//   <gpu id="00000000:3B:00.0">          → parent 0000:3b:00.0 (the sysfs form:
//                                          4-digit domain, lowercase)
//     <product_name>                     → product_name (N/A: left out)
//     <vbios_version>                    → vbios_version (N/A: left out)
//     <pci><pci_device_id>20B510DE       → pci_device 0x20b5, pci_vendor 0x10de
//     <pci><pci_sub_system_id>151E10DE   → pci_subsystem_device 0x151e,
//                                          pci_subsystem_vendor 0x10de
//     <ecc_mode><current_ecc>Enabled     → ecc_mode enabled (lowercased; a
//                                          board without ECC says n/a)
//
// nvidia-smi prints NVML's pciDeviceId and pciSubSystemId with %08X: the
// device (or subsystem device) id in the high 16 bits, the vendor (or
// subsystem vendor) id in the low 16; a `0x` prefix is accepted too. The ids
// are written as sysfs writes them (`0x10de`), so they equal what `collect`
// reads from the same GPU. A GPU whose id is not a PCI address, or whose ids
// are malformed, loses those facts with a warning; a value that two files
// give differently is an error (they are not of one host).

import { diagnostic, quote, warning, type Diagnostic } from '../errors.js';
import { lineColAt } from '../json-text.js';
import { DEFAULT_LIMITS } from '../load.js';
import type { FactsBuilder } from './facts.js';
import { list, parseXml, text, type XmlNode } from './xml.js';

/** nvidia-smi's bus id (`00000000:3B:00.0`, domain of up to 8 hex digits) in the sysfs form `0000:3b:00.0`; undefined when it is not one. */
export function sysfsPciAddress(id: string): string | undefined {
  const m = /^([0-9a-f]{1,8}):([0-9a-f]{1,2}):([0-9a-f]{1,2})\.([0-7])$/i.exec(id.trim());
  if (!m) return undefined;
  const [domain, bus, slot, fn] = m.slice(1).map((h) => Number.parseInt(h, 16)) as [number, number, number, number];
  if (slot > 0x1f) return undefined;
  return `${domain.toString(16).padStart(4, '0')}:${bus.toString(16).padStart(2, '0')}:${slot.toString(16).padStart(2, '0')}.${fn}`;
}

/** NVML's 32-bit id pair (`20B510DE`: high half the device, low half the vendor) as sysfs-form ids; undefined when malformed. */
export function splitPciIdPair(v: string): { device: string; vendor: string } | undefined {
  const m = /^(?:0x)?([0-9a-f]{4})([0-9a-f]{4})$/i.exec(v.trim());
  return m ? { device: `0x${m[1]!.toLowerCase()}`, vendor: `0x${m[2]!.toLowerCase()}` } : undefined;
}

/** An element's text, when it says something (not empty, not N/A). */
function known(v: unknown): string | undefined {
  const s = text(v)?.trim();
  return s === undefined || s === '' || /^n\/a$/i.test(s) ? undefined : s;
}

/** Add the facts of one `nvidia-smi -q -x` document; its errors and warnings. */
export function importNvidiaSmi(xml: string, file: string, into: FactsBuilder, maxDepth = DEFAULT_LIMITS.maxDepth): { errors: Diagnostic[]; warnings: Diagnostic[] } {
  const parsed = parseXml(xml, file, { maxDepth, arrays: ['gpu'], source: 'the output of `nvidia-smi -q -x`' });
  if (!parsed.ok) return { errors: parsed.errors, warnings: [] };
  const log = parsed.value.nvidia_smi_log as XmlNode | undefined;
  if (!log || typeof log !== 'object') {
    return { errors: [diagnostic('schema-violation', 'no <nvidia_smi_log> element: expected the output of `nvidia-smi -q -x`', { file, line: 1, col: 1 })], warnings: [] };
  }
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  /** Where the first of these snippets is written (the parser keeps no positions). */
  const where = (...needles: string[]) => {
    for (const n of needles) {
      const i = xml.indexOf(n);
      if (i >= 0) return { file, ...lineColAt(xml, i) };
    }
    return { file, line: 1, col: 1 };
  };
  const conflict = (name: string, value: string, before: string, at: ReturnType<typeof where>) =>
    errors.push(diagnostic('duplicate-key', `\`${name}\` is ${quote(value)} here and ${quote(before)} in another file`, at, { hint: 'give the files of one host only' }));

  const driver = known(log.driver_version);
  if (driver !== undefined) {
    const before = into.setHost('nvidia_version', driver);
    if (before !== undefined) conflict('nvidia_version', driver, before, where('<driver_version>'));
  }
  for (const gpu of list(log.gpu)) {
    const pci = (gpu.pci ?? {}) as XmlNode;
    const id = text(gpu['@id']) ?? text(pci.pci_bus_id) ?? '';
    const parent = sysfsPciAddress(id);
    const at = where(`id="${id}"`, `id='${id}'`, `<pci_bus_id>${id}`, '<gpu');
    if (parent === undefined) {
      warnings.push(warning('schema-violation', `a <gpu> whose id ${quote(id)} is not a PCI address: its facts are left out`, at, 'nvidia-smi writes `00000000:3B:00.0`'));
      continue;
    }
    const facts: [string, string][] = [];
    const product = known(gpu.product_name);
    if (product !== undefined) facts.push(['product_name', product]);
    const vbios = known(gpu.vbios_version);
    if (vbios !== undefined) facts.push(['vbios_version', vbios]);
    for (const [element, device, vendor] of [
      ['pci_device_id', 'pci_device', 'pci_vendor'],
      ['pci_sub_system_id', 'pci_subsystem_device', 'pci_subsystem_vendor'],
    ] as const) {
      const raw = known(pci[element]);
      if (raw === undefined) continue;
      const pair = splitPciIdPair(raw);
      if (pair) facts.push([device, pair.device], [vendor, pair.vendor]);
      else warnings.push(warning('schema-violation', `gpu ${quote(parent)}: <${element}> ${quote(raw)} is not a device and vendor id pair: left out`, where(`<${element}>${raw}`), 'nvidia-smi writes 8 hex digits, the device id then the vendor id: `20B510DE`'));
    }
    const ecc = text((gpu.ecc_mode as XmlNode | undefined)?.current_ecc)?.trim();
    if (ecc) facts.push(['ecc_mode', ecc.toLowerCase()]);
    for (const [name, value] of facts) {
      const before = into.setParent(parent, name, value);
      if (before !== undefined) conflict(`${parent}: ${name}`, value, before, at);
    }
  }
  return { errors, warnings };
}
