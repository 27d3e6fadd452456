// Flags shared by several commands, defined once.
import { Flags } from '@oclif/core';

export const policyFlag = Flags.string({
  char: 'p',
  description: 'Policy file to use instead of the shipped default (policies/vfio-mdev.yaml plus every overlay in policies/vendors/).',
  helpValue: 'FILE',
});

export const overlayFlag = Flags.string({
  char: 'o',
  multiple: true,
  description: 'Overlay file applied after the others, in the order given (repeatable).',
  helpValue: 'FILE',
});

export const modeFlag = Flags.string({
  char: 'm',
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
