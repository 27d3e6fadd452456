// Builds sysfs trees for the collect tests, the way the kernel lays them out:
// parents under sys/devices/…, sys/class/mdev_bus/<parent> and
// sys/bus/mdev/devices/<uuid> as relative links, an instance's mdev_type link
// back to its type, write-only create/remove files; a parent's own files and
// its driver and physfn links, and the host files collect reads facts from
// (proc/sys/kernel/osrelease, etc/os-release, sys/module/*/version). No root needed.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TreeType {
  attrs: Record<string, string>;
}
export interface TreeDevice {
  uuid: string;
  type: string;
  attrs?: Record<string, string>;
  /** Attribute groups: subdirectory → files (e.g. vendor/sample_mdev_dev). */
  groups?: Record<string, Record<string, string>>;
  /** Write-only attribute files (mode 0200, like vfio-ap's assign_adapter). */
  writeOnly?: string[];
}
export interface TreeParent {
  id: string;
  /** Where the parent lives below sys/devices. */
  devpath: string;
  types: Record<string, TreeType>;
  devices?: TreeDevice[];
  /** Files of the parent's own directory (a PCI device's vendor, device, … and its binary config, rom, resource0). */
  files?: Record<string, string>;
  /** Its driver: a `driver` link to sys/bus/<bus>/drivers/<name>, which links its `module` to sys/module/<module> when one is given. */
  driver?: { name: string; bus?: string; module?: string };
  /** An SR-IOV virtual function's physical function: a `physfn` link to that sibling under the same bridge. */
  physfn?: string;
}

/** What a host shows beside sysfs: proc/sys/kernel/osrelease, etc/os-release (as the link to usr/lib/os-release most distributions ship), and module versions. */
export interface TreeHost {
  osrelease?: string;
  osRelease?: string;
  /** sys/module/<name>/version */
  modules?: Record<string, string>;
}

export function addHostFiles(root: string, host: TreeHost): string {
  if (host.osrelease !== undefined) {
    mkdirSync(path.join(root, 'proc/sys/kernel'), { recursive: true });
    writeFileSync(path.join(root, 'proc/sys/kernel/osrelease'), `${host.osrelease}\n`);
  }
  if (host.osRelease !== undefined) {
    mkdirSync(path.join(root, 'usr/lib'), { recursive: true });
    mkdirSync(path.join(root, 'etc'), { recursive: true });
    writeFileSync(path.join(root, 'usr/lib/os-release'), host.osRelease);
    symlinkSync('../usr/lib/os-release', path.join(root, 'etc/os-release'));
  }
  for (const [name, version] of Object.entries(host.modules ?? {})) {
    mkdirSync(path.join(root, 'sys/module', name), { recursive: true });
    writeFileSync(path.join(root, 'sys/module', name, 'version'), `${version}\n`);
  }
  return root;
}

export function buildTree(parents: TreeParent[], root = mkdtempSync(path.join(tmpdir(), 'mdev-sysfs-'))): string {
  const sys = path.join(root, 'sys');
  const bus = path.join(sys, 'class/mdev_bus');
  const devs = path.join(sys, 'bus/mdev/devices');
  mkdirSync(bus, { recursive: true });
  mkdirSync(devs, { recursive: true });
  for (const p of parents) {
    const dir = path.join(sys, 'devices', p.devpath);
    mkdirSync(dir, { recursive: true });
    symlinkSync(path.relative(bus, dir), path.join(bus, p.id));
    for (const [k, v] of Object.entries(p.files ?? {})) writeFileSync(path.join(dir, k), v);
    if (p.driver) {
      const driverDir = path.join(sys, 'bus', p.driver.bus ?? 'pci', 'drivers', p.driver.name);
      mkdirSync(driverDir, { recursive: true });
      symlinkSync(path.relative(dir, driverDir), path.join(dir, 'driver'));
      const moduleLink = path.join(driverDir, 'module');
      if (p.driver.module !== undefined && !existsSync(moduleLink)) {
        mkdirSync(path.join(sys, 'module', p.driver.module), { recursive: true });
        symlinkSync(path.relative(driverDir, path.join(sys, 'module', p.driver.module)), moduleLink);
      }
    }
    if (p.physfn !== undefined) {
      mkdirSync(path.join(dir, '..', p.physfn), { recursive: true });
      symlinkSync(path.join('..', p.physfn), path.join(dir, 'physfn'));
    }
    for (const [id, t] of Object.entries(p.types)) {
      const tdir = path.join(dir, 'mdev_supported_types', id);
      mkdirSync(path.join(tdir, 'devices'), { recursive: true });
      for (const [k, v] of Object.entries(t.attrs)) writeFileSync(path.join(tdir, k), `${v}\n`);
      writeFileSync(path.join(tdir, 'create'), '');
      chmodSync(path.join(tdir, 'create'), 0o200);
    }
    for (const d of p.devices ?? []) {
      const ddir = path.join(dir, d.uuid);
      mkdirSync(path.join(ddir, 'power'), { recursive: true });
      writeFileSync(path.join(ddir, 'power', 'runtime_status'), 'active\n');
      writeFileSync(path.join(ddir, 'uevent'), 'MDEV_TYPE=x\n');
      writeFileSync(path.join(ddir, 'remove'), '');
      chmodSync(path.join(ddir, 'remove'), 0o200);
      symlinkSync(path.join('..', 'mdev_supported_types', d.type), path.join(ddir, 'mdev_type'));
      symlinkSync(path.join('../../..', d.uuid), path.join(dir, 'mdev_supported_types', d.type, 'devices', d.uuid));
      for (const [k, v] of Object.entries(d.attrs ?? {})) writeFileSync(path.join(ddir, k), `${v}\n`);
      for (const k of d.writeOnly ?? []) {
        writeFileSync(path.join(ddir, k), '');
        chmodSync(path.join(ddir, k), 0o200);
      }
      for (const [g, files] of Object.entries(d.groups ?? {})) {
        mkdirSync(path.join(ddir, g), { recursive: true });
        for (const [k, v] of Object.entries(files)) writeFileSync(path.join(ddir, g, k), `${v}\n`);
      }
      symlinkSync(path.relative(devs, ddir), path.join(devs, d.uuid));
    }
  }
  return root;
}

/** The three parents the issue names: GVT-g with the proposal's attributes and a dynamic resource, an s390 ccw subchannel, mtty with a vendor/ group. */
export const STANDARD: TreeParent[] = [
  {
    id: '0000:00:02.0',
    devpath: 'pci0000:00/0000:00:02.0',
    types: {
      'i915-GVTg_V5_4': {
        attrs: {
          name: 'GVTg_V5_4',
          device_api: 'vfio-pci',
          available_instances: '1',
          software_version: '1.2.0',
          compatible_type: 'i915-GVTg_V5_8',
          compatible_pci_ids: '5931, 591b',
          dynamic_resources: 'aggregator, fps',
          description: 'low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\nresolution: 1920x1200\nweight: 4\n',
        },
      },
    },
    devices: [{ uuid: '83b8f4f2-509f-382f-3c1e-e6bfe0fa1001', type: 'i915-GVTg_V5_4', attrs: { aggregator: '2', fps: '60' } }],
  },
  {
    id: '0.0.26ab',
    devpath: 'css0/0.0.26ab',
    types: { 'vfio_ccw-io': { attrs: { name: 'I/O subchannel (Non-QDIO)', device_api: 'vfio-ccw', available_instances: '1' } } },
  },
  {
    id: 'mtty',
    devpath: 'virtual/mtty/mtty',
    types: {
      'mtty-1': { attrs: { name: 'Single port serial', device_api: 'vfio-pci', available_instances: '24' } },
      'mtty-2': { attrs: { name: 'Dual port serial', device_api: 'vfio-pci', available_instances: '11' } },
    },
    devices: [{ uuid: '2b1d8f3e-7c4a-4f0e-9d6b-1a2b3c4d5e6f', type: 'mtty-2', groups: { vendor: { sample_mdev_dev: 'This is MDEV 2b1d8f3e-7c4a-4f0e-9d6b-1a2b3c4d5e6f' } } }],
  },
];

/** What vfio_ap writes and shows: every assign_/unassign_ file is write-only (0200). */
export const AP_WRITE_ONLY = ['assign_adapter', 'unassign_adapter', 'assign_domain', 'unassign_domain', 'assign_control_domain', 'unassign_control_domain'];

/**
 * An s390 host's AP matrix parent with two vfio_ap-passthrough devices, as
 * policies/vendors/hosts/ap-src-collected.yaml records them: …6b holds
 * adapters 5 and 6 with usage domain 4 (APQNs 05.0004, 06.0004) and control
 * domain 4; …6c holds APQN 07.0005 and no control domain.
 */
export function apTree(): TreeParent[] {
  return [
    {
      id: 'matrix',
      devpath: 'vfio_ap/matrix',
      types: { 'vfio_ap-passthrough': { attrs: { name: 'VFIO AP Passthrough Device', device_api: 'vfio-ap', available_instances: '65534' } } },
      devices: [
        { uuid: '4f8a6b2e-9c3d-4e5f-8a7b-1c2d3e4f5a6b', type: 'vfio_ap-passthrough', attrs: { matrix: '05.0004\n06.0004', control_domains: '0004' }, writeOnly: AP_WRITE_ONLY },
        { uuid: '4f8a6b2e-9c3d-4e5f-8a7b-1c2d3e4f5a6c', type: 'vfio_ap-passthrough', attrs: { matrix: '07.0005', control_domains: '' }, writeOnly: AP_WRITE_ONLY },
      ],
    },
  ];
}
