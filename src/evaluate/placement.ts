// Placement: every source device on its own compatible destination
// instance, within capacity — a matching, not first-fit (DESIGN §4).

/**
 * Assign every source device its own compatible (parent, type) with each used no
 * more than its capacity: a bipartite matching by augmenting paths (Kuhn), so a
 * device that first-fit would strand is moved to free room for another.
 * Options are tried in the order given (callers put the device's own type first).
 */
export function placeDevices(devices: string[], options: Map<string, { slot: string; capacity: number }[]>): Map<string, string> | undefined {
  const assigned = new Map<string, string[]>(); // slot → devices
  const capacityOf = new Map<string, number>();
  for (const list of options.values()) for (const o of list) capacityOf.set(o.slot, o.capacity);
  const deviceSlot = new Map<string, string>();
  const tryPlace = (device: string, seen: Set<string>): boolean => {
    const mine = options.get(device) ?? [];
    // A free slot first (first-fit when it works), so devices move only when they must.
    for (const { slot } of mine) {
      const holders = assigned.get(slot) ?? [];
      if (!seen.has(slot) && holders.length < (capacityOf.get(slot) ?? 0)) {
        seen.add(slot);
        holders.push(device);
        assigned.set(slot, holders);
        deviceSlot.set(device, slot);
        return true;
      }
    }
    // Else an augmenting path: move a holder of a full slot elsewhere.
    for (const { slot } of mine) {
      if (seen.has(slot)) continue;
      seen.add(slot);
      const holders = assigned.get(slot) ?? [];
      for (let i = 0; i < holders.length; i++) {
        if (tryPlace(holders[i]!, seen)) {
          holders[i] = device;
          deviceSlot.set(device, slot);
          return true;
        }
      }
    }
    return false;
  };
  for (const d of devices) if (!tryPlace(d, new Set())) return undefined;
  return deviceSlot;
}

/** Why no placement exists: devices without any compatible candidate, else too few free instances. */
export function unplacedReason(devices: string[], options: Map<string, unknown[]>): string {
  const without = devices.filter((d) => (options.get(d) ?? []).length === 0);
  if (without.length > 0) return `no compatible candidate for ${without.map((u) => `\`${u}\``).join(', ')}`;
  return `compatible candidates exist, but not enough free instances to place all ${devices.length} devices`;
}
