// Flags shared by several commands, defined once.
import path from 'node:path';
import { Flags } from '@oclif/core';

/** The variable holding overlay files when no --overlay is given. */
export const OVERLAY_ENV = 'MDEV_POLICY_OVERLAY';

export const policyFlag = Flags.string({
  char: 'p',
  env: 'MDEV_POLICY_POLICY',
  description: 'Policy file to use instead of the shipped default (policies/vfio-mdev.yaml plus every overlay in policies/vendors/).',
  helpValue: 'FILE',
});

export const overlayFlag = Flags.string({
  char: 'o',
  multiple: true,
  // Not oclif's `env`: it would give a repeatable flag one string, not a list (policyChoice reads the variable).
  description: `[env: ${OVERLAY_ENV}, files separated by \`${path.delimiter}\`] Overlay file applied after the others, in the order given (repeatable).`,
  helpValue: 'FILE',
});

export const modeFlag = Flags.string({
  char: 'm',
  env: 'MDEV_POLICY_MODE',
  description: "Mode of the policy (e.g. strict, superset, cross-type); default: the policy's defaultMode.",
  helpValue: 'MODE',
});

export const maxBytesFlag = Flags.integer({
  description: 'Largest document accepted, in bytes (a file, or one NDJSON line; YAML is also capped at 1 MiB).',
  default: 64 * 1024 * 1024,
  min: 1,
  helpValue: 'BYTES',
});

export const maxDepthFlag = Flags.integer({
  description: 'Deepest nesting of maps and lists accepted in a document.',
  default: 64,
  min: 4,
  max: 1000,
  helpValue: 'LEVELS',
});

/** The input limits every reading command takes, as flags. */
export const limitFlags = { 'max-bytes': maxBytesFlag, 'max-depth': maxDepthFlag };

/** Load limits from those flags (the other limits keep their defaults). */
export function limitsFrom(flags: { 'max-bytes': number; 'max-depth': number }, defaults: import('../load.js').LoadLimits): import('../load.js').LoadLimits {
  return { ...defaults, maxBytes: flags['max-bytes'], maxDepth: flags['max-depth'] };
}

export const typeFlag = Flags.string({ char: 't', description: 'Source mdev type id (selects the overlays that apply).', helpValue: 'TYPE' });

export const deviceApiFlag = Flags.string({
  description: 'device_api of that source type (for overlays that select on it; without it they are left out, and listed with the value that includes them).',
  helpValue: 'API',
});

/** The flags that choose an effective policy for a source type (compile, policy show). */
export const effectivePolicyFlags = { policy: policyFlag, overlay: overlayFlag, mode: modeFlag, type: typeFlag, 'device-api': deviceApiFlag };

/** `--facts FILE` of collect and import: Facts documents merged into the Host written (repeatable; later files win). */
export const factsFlag = Flags.string({
  multiple: true,
  // One value per --facts: the files after it stay the command's arguments (`import libvirt --facts f.yaml gpu.xml`).
  multipleNonGreedy: true,
  description: 'Facts document (kind: Facts, YAML or JSON: host facts and parent facts by parent id, e.g. from `import nvidia-smi`) merged into the Host after what the host exposes; facts given win, later files over earlier ones (repeatable).',
  helpValue: 'FILE',
});

/**
 * The policy choice of the policy flags: --policy, --overlay (repeatable),
 * --mode, each else its environment variable (MDEV_POLICY_POLICY and
 * MDEV_POLICY_MODE through oclif; MDEV_POLICY_OVERLAY here, a list of files
 * separated like PATH). A flag given wins over its variable.
 */
export function policyChoice(flags: { policy?: string; overlay?: string[]; mode?: string }, env: NodeJS.ProcessEnv = process.env): { policy?: string; overlays?: string[]; mode?: string } {
  const fromEnv = env[OVERLAY_ENV];
  const overlays = flags.overlay ?? (fromEnv ? fromEnv.split(path.delimiter).filter((f) => f !== '') : undefined);
  return { policy: flags.policy, overlays, mode: flags.mode };
}
