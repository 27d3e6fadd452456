// The VM as the source of a decision: the source devices are the domain's
// mdev hostdevs, each checked against the source host (the uuid is there;
// the hostdev's model agrees with the type's device_api), and the domain XML
// rewritten for a placement (each hostdev pointing at its destination uuid,
// mdev-policy's metadata describing the devices where they now are).

import { diagnostic, didYouMean, warning, type Diagnostic } from '../errors.js';
import { lineColAt } from '../json-text.js';
import { now, toolInfo } from '../trace.js';
import type { Host } from '../types.js';
import type { ClaimPlan } from '../plan.js';
import { applyEdits, type Domain, type TextEdit } from './domain.js';
import { findMetadata, hostSubset, metadataEdits, metadataElement } from './metadata.js';

/** The uuids of the domain's mdevs, in the domain's order, once each is found on the source host with a type its model fits. */
export function vmDevices(domain: Domain, source: Host): { uuids: string[]; errors: Diagnostic[]; warnings: Diagnostic[] } {
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const vm = domain.name ? `domain \`${domain.name}\`` : 'the domain';
  if (domain.mdevs.length === 0) {
    errors.push(diagnostic('unknown-device', `${vm} has no mdev hostdev: nothing to decide`, { file: domain.file, ...lineColAt(domain.text, domain.root.start) }, { hint: "an mdev is `<hostdev mode='subsystem' type='mdev' model='…'>` in `<devices>`" }));
  }
  for (const m of domain.mdevs) {
    const device = source.devices.find((d) => d.uuid === m.uuid);
    if (!device) {
      errors.push(
        diagnostic('unknown-device', `${vm} uses mdev \`${m.uuid}\`, which source host \`${source.name}\` does not have`, m.at, {
          hint: didYouMean(m.uuid, source.devices.map((d) => d.uuid)) ?? `its devices: ${source.devices.map((d) => `\`${d.uuid}\``).join(', ') || 'none'}; is this the host the VM runs on?`,
        }),
      );
      continue;
    }
    const type = source.parents.find((p) => p.id === device.parent)?.types.find((t) => t.id === device.type);
    const api = type?.attributes.device_api;
    if (typeof api !== 'string') {
      warnings.push(warning('model-mismatch', `model \`${m.model}\` of mdev \`${m.uuid}\` is not checked: source host \`${source.name}\` gives type \`${device.type}\` no device_api`, m.at));
    } else if (api !== m.model) {
      errors.push(
        diagnostic('model-mismatch', `${vm} attaches mdev \`${m.uuid}\` as \`${m.model}\`, but its type \`${device.type}\` on \`${source.name}\` has device_api \`${api}\``, m.at, {
          hint: 'a hostdev model is the device_api of its type: the domain XML and the source host disagree',
        }),
      );
    }
  }
  return { uuids: errors.length > 0 ? [] : domain.mdevs.map((m) => m.uuid), errors, warnings };
}

/**
 * The domain XML for the destination of a plan: each mdev hostdev given its
 * destination uuid (where it changed) and, when `annotate` (or when the
 * domain already carries mdev-policy's metadata), the metadata describing
 * the devices on the destination host. Every other byte is kept.
 */
export function rewriteDomain(domain: Domain, plan: ClaimPlan, destination: Host, options: { annotate?: boolean } = {}): string {
  const edits: TextEdit[] = [];
  for (const d of plan.devices) {
    if (d.uuid === d.source) continue;
    const m = domain.mdevs.find((x) => x.uuid === d.source);
    if (m) edits.push({ start: m.uuidAttribute.valueStart, end: m.uuidAttribute.valueEnd, text: d.uuid });
  }
  if (options.annotate || findMetadata(domain).ours.length > 0) {
    const placed: Host = {
      name: destination.name,
      facts: destination.facts,
      parents: destination.parents,
      // A device already there is described as it runs; one the plan creates, with the values the plan gives it.
      devices: plan.devices.map((d) => ({
        uuid: d.uuid,
        parent: d.parent,
        type: d.type,
        attributes: destination.devices.find((x) => x.uuid === d.uuid && x.parent === d.parent && x.type === d.type)?.attributes ?? d.set,
      })),
    };
    edits.push(...metadataEdits(domain, sourceFactsElement(placed, placed.devices.map((d) => d.uuid))));
  }
  return applyEdits(domain, edits);
}

/** mdev-policy's metadata element with a host's facts for some of its devices. */
export function sourceFactsElement(host: Host, uuids: readonly string[]): string {
  return metadataElement(hostSubset(host, uuids), { time: now(), tool: `${toolInfo().name} ${toolInfo().version}` });
}

/** The domain XML with the source host's facts for the VM's devices in its metadata (`annotate`). */
export function annotateDomain(domain: Domain, source: Host, uuids: readonly string[]): string {
  return applyEdits(domain, metadataEdits(domain, sourceFactsElement(source, uuids)));
}

/** The VM as a Decision names it. */
export function vmOf(domain: Domain): { name?: string; uuid?: string } {
  return { ...(domain.name !== undefined ? { name: domain.name } : {}), ...(domain.uuid !== undefined ? { uuid: domain.uuid } : {}) };
}

/** The VM's devices as TargetPicker takes them: uuid → type on the source host. */
export function vmTypes(source: Host, uuids: readonly string[]): Map<string, string> {
  const types = new Map<string, string>();
  for (const u of uuids) {
    const d = source.devices.find((x) => x.uuid === u);
    if (d) types.set(u, d.type);
  }
  return types;
}
