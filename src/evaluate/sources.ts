// Source selection: the devices of the VM to migrate (named by --device, or
// every device on the source host), each with its facts and the engine of
// the effective policy for its type (base + the overlays that apply to it).

import { diagnostic, didYouMean, type Diagnostic } from '../errors.js';
import type { PolicySet } from '../resolve.js';
import type { EffectivePolicy, Host, MdevDevice, MdevType, SourceFact } from '../types.js';
import { NO_ATTRIBUTES } from '../facts.js';
import { buildEngine, type PolicyEngine } from './engine.js';
import { digestOf } from '../trace.js';

export interface SourceDevice {
  device: MdevDevice;
  fact: SourceFact;
  /** The engine of the effective policy for this device's type. */
  engine: PolicyEngine;
  /** False when the device's parent does not list its type: nothing is known of it, so it fails closed. */
  known: boolean;
}

/** A single effective policy seen as a policy set (every overlay in it applies to every type). */
export function asPolicySet(policy: PolicySet | EffectivePolicy): PolicySet {
  if ('forType' in policy) return policy;
  let digest: string | undefined;
  return {
    policy: policy.policy,
    mode: policy.mode,
    modes: policy.modes,
    overlays: policy.overlays,
    selectors: policy.overlays.map(() => undefined),
    warnings: [],
    get digest() {
      return (digest ??= digestOf(policy));
    },
    applicable: () => policy.overlays.map(() => true),
    forType: () => policy,
  };
}

/** The most source devices one decision places (a VM's mdevs are a handful). */
export const MAX_SOURCE_DEVICES = 64;

/** The source devices to migrate: those named (in that order), or every device on the host. */
export function selectSourceDevices(host: Host, uuids: readonly string[] | undefined, policies: PolicySet): { devices: SourceDevice[]; errors: Diagnostic[] } {
  const errors: Diagnostic[] = [];
  const where = host.file ? { file: host.file } : {};
  let chosen: MdevDevice[];
  if (uuids && uuids.length > 0) {
    chosen = [];
    for (const u of uuids) {
      const d = host.devices.find((x) => x.uuid === u.toLowerCase());
      if (d) {
        if (!chosen.includes(d)) chosen.push(d);
      } else {
        errors.push(
          diagnostic('unknown-device', `host \`${host.name}\` has no device \`${u}\``, where, {
            hint: didYouMean(u, host.devices.map((x) => x.uuid)) ?? `devices: ${host.devices.map((x) => `\`${x.uuid}\``).join(', ') || 'none'}`,
          }),
        );
      }
    }
  } else {
    chosen = host.devices;
  }
  // One VM's devices: a handful in practice. A bound keeps a hostile source
  // from turning placement (a matching over devices × candidates) into a hang.
  if (errors.length === 0 && chosen.length > MAX_SOURCE_DEVICES) {
    errors.push(
      diagnostic('input-too-large', `${chosen.length} source devices: more than ${MAX_SOURCE_DEVICES}, the most one decision takes`, where, {
        hint: "name the VM's devices with --device",
      }),
    );
    chosen = [];
  }
  if (errors.length === 0 && chosen.length === 0) {
    errors.push(diagnostic('unknown-device', `source host \`${host.name}\` has no mdev device to migrate`, where));
  }
  const devices = chosen.map((device) => sourceDevice(host, device, (type) => policies.forType(type)));
  return { devices, errors };
}

/** One source device with its facts and the engine of its effective policy (given, or chosen for its type). */
function sourceDevice(host: Host, device: MdevDevice, policyFor: (type: MdevType) => EffectivePolicy): SourceDevice {
  const parent = host.parents.find((p) => p.id === device.parent);
  const listed = parent?.types.find((t) => t.id === device.type);
  const type: MdevType = listed ?? { id: device.type, attributes: Object.create(null) as MdevType['attributes'] };
  const fact: SourceFact = {
    host: host.name,
    parent: device.parent,
    type,
    device: { uuid: device.uuid, attributes: device.attributes },
    parentAttributes: parent?.attributes ?? NO_ATTRIBUTES,
    hostAttributes: host.facts,
  };
  return { device, fact, known: listed !== undefined, engine: buildEngine(policyFor(type)) };
}

/**
 * Source devices already selected elsewhere (by uuid, in order), each with
 * the effective policy chosen for it then: how a worker thread rebuilds the
 * main thread's selection from plain data.
 */
export function sourceDevicesWith(host: Host, selected: readonly { uuid: string; policy: EffectivePolicy }[]): SourceDevice[] {
  return selected.map(({ uuid, policy }) => sourceDevice(host, host.devices.find((d) => d.uuid === uuid)!, () => policy));
}
