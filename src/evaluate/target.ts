// The destination a claim plan is for: the first compatible one, or the one
// named (`--to`). Destinations pass through on their way to the evaluator:
// each is kept as collected (the plan needs its devices), the VM's own
// devices on it are released for the VM (src/plan.ts), and with a name only
// that host is decided.

import type { DestinationResult, Host, MdevDevice } from '../types.js';
import { releasePrepared } from '../plan.js';
import { sameHost, type DestinationInput } from './decision.js';

export interface Target {
  result: DestinationResult;
  /** The destination as it was read, before any release. */
  host: Host;
  /** The VM's own devices found on it (by source uuid), released for the VM. */
  reserved?: ReadonlyMap<string, MdevDevice>;
}

export class TargetPicker {
  /** The compatible destination the plan is for (the named one, or the first). */
  chosen?: Target;
  /** The named destination, decided (compatible or not). */
  named?: Target;
  /** The first destination decided that cannot take the VM. */
  refused?: Target;
  private current?: { host: Host; reserved?: ReadonlyMap<string, MdevDevice> };

  /**
   * `vm`: the VM's devices, source uuid → type, when the VM is known (its own
   * devices on a destination are released for it); `anyType`: the mode lets
   * the plan give a device another type (cross-type).
   */
  constructor(private readonly options: { vm?: ReadonlyMap<string, string>; anyType?: boolean; to?: string; source: string }) {}

  /** The destinations to decide: the named one only (errors of the others still pass), each with the VM's devices released. */
  async *destinations(inputs: AsyncIterable<DestinationInput> | Iterable<DestinationInput>): AsyncGenerator<DestinationInput> {
    const { to, vm } = this.options;
    for await (const input of inputs) {
      const host = input.host;
      if (!host || (to !== undefined && !sameHost(host.name, to))) {
        yield { errors: input.errors, ...(input.warnings ? { warnings: input.warnings } : {}) };
        continue;
      }
      const released = vm && !sameHost(host.name, this.options.source) ? releasePrepared(host, vm, this.options.anyType) : undefined;
      this.current = { host, ...(released?.reserved ? { reserved: released.reserved } : {}) };
      yield released ? { ...input, host: released } : input;
    }
  }

  /** Called with each destination decided, in order (right after it was read). */
  decided(result: DestinationResult): void {
    const current = this.current;
    if (!current || result.isSource === true) return;
    const target = { result, ...current };
    if (this.options.to !== undefined) this.named ??= target;
    if (result.compatible) this.chosen ??= target;
    else this.refused ??= target;
  }
}
