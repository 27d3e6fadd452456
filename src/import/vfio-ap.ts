// A vfio-ap device's AP matrix in mdevctl's terms. The kernel's
// assign_adapter, assign_domain and assign_control_domain files are
// write-only; what it shows of the matrix a guest owns is the device's
// read-only `matrix` (one APQN `AA.DDDD` a line, in hex; `AA.` or `.DDDD`
// while only adapters or only domains are assigned) and `control_domains`
// (one hex domain a line). Collect derives the assign_* instance attributes
// from them, in the form mdevctl configs carry and the assign_* files accept
// (`0x05` for adapter 5, `0x0004` for domain 4: the kernel's own digits with a
// 0x prefix), so a device collected from sysfs carries the same claim plan as
// one imported from mdevctl. Pure: text in, attribute pairs out.

export const AP_ASSIGN_ATTRIBUTES = ['assign_adapter', 'assign_domain', 'assign_control_domain'] as const;

export type ApDerivation = { ok: true; attributes: [string, string][] } | { ok: false; problem: string };

const APQN = /^([0-9a-f]{1,2})?\.([0-9a-f]{1,4})?$/i;
const DOMAIN = /^[0-9a-f]{1,4}$/i;

const lines = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');

const hex = (n: number, digits: number) => `0x${n.toString(16).padStart(digits, '0')}`;
const ascending = (set: Set<number>) => [...set].sort((a, b) => a - b);

/**
 * The assign_* attributes of the matrix the kernel shows: every adapter, then
 * every usage domain, then every control domain, each once, in ascending
 * order (a repeated name becomes a list when the Host is built). A line that
 * is not an APQN (or a control domain) is a problem: nothing is derived.
 */
export function apAssignments(matrix: string, controlDomains?: string): ApDerivation {
  const adapters = new Set<number>();
  const domains = new Set<number>();
  for (const line of lines(matrix)) {
    const m = APQN.exec(line);
    if (!m || (m[1] === undefined && m[2] === undefined)) return { ok: false, problem: `\`matrix\` line \`${line.slice(0, 40)}\` is not an APQN (\`AA.DDDD\`, \`AA.\` or \`.DDDD\`)` };
    if (m[1] !== undefined) adapters.add(Number.parseInt(m[1], 16));
    if (m[2] !== undefined) domains.add(Number.parseInt(m[2], 16));
  }
  const control = new Set<number>();
  for (const line of lines(controlDomains ?? '')) {
    if (!DOMAIN.test(line)) return { ok: false, problem: `\`control_domains\` line \`${line.slice(0, 40)}\` is not a domain number` };
    control.add(Number.parseInt(line, 16));
  }
  return {
    ok: true,
    attributes: [
      ...ascending(adapters).map((a): [string, string] => ['assign_adapter', hex(a, 2)]),
      ...ascending(domains).map((d): [string, string] => ['assign_domain', hex(d, 4)]),
      ...ascending(control).map((c): [string, string] => ['assign_control_domain', hex(c, 4)]),
    ],
  };
}
