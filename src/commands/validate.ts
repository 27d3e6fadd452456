// `mdev-policy validate FILE…`: schema and consistency checks for any kind.
import path from 'node:path';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { limitFlags, limitsFrom } from '../cli/flags.js';

export default class Validate extends BaseCommand {
  static override summary = 'Check Policy, Overlay, Host and TestSuite documents against their schemas and rules.';
  static override description =
    'Every error is printed as `file:line:col code: message`, with a `hint:` line where one helps. Overlays are checked against the Policy named by their `extends` among the files given, else the shipped base; two overlays that patch one check on overlapping selectors get a warning. Exit 0 when every file is valid (warnings allowed), 2 otherwise.';
  static override examples = [
    { description: 'Validate the shipped policy and the example hosts', command: '<%= config.bin %> validate policies/vfio-mdev.yaml examples/*.yaml' },
    { description: 'Validate vendor overlays against the shipped base', command: '<%= config.bin %> validate policies/vendors/*.yaml' },
  ];
  static override strict = false;
  static override args = { files: Args.string({ required: true, description: 'Files to validate (YAML or JSON; .ndjson checks every line).' }) };
  static override flags = {
    ...limitFlags,
    quiet: Flags.boolean({ char: 'q', description: 'Print nothing when everything is valid.' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Validate);
    const lib = await import('../index.js');
    const limits = limitsFrom(flags, lib.DEFAULT_LIMITS);
    const all: import('../errors.js').Diagnostic[] = [];
    let documents = 0;
    const policies: import('../resolve.js').PolicySource[] = [];
    const overlays: import('../resolve.js').OverlaySource[] = [];
    for (const file of argv as string[]) {
      for await (const entry of lib.loadDocuments(file, limits)) {
        if (!entry.value) {
          all.push(...entry.errors);
          continue;
        }
        documents++;
        const v = lib.validateDocument(entry.value);
        all.push(...v.errors);
        if (!v.value) continue;
        if (v.kind === 'Policy') {
          const p = lib.policyFromDocument(entry.value);
          all.push(...p.errors);
          if (p.value) policies.push(p.value);
        }
        if (v.kind === 'Overlay') overlays.push(lib.overlayFromDocument(entry.value).value!);
        if (v.kind === 'Host') {
          const h = lib.hostFromDocument(entry.value);
          all.push(...h.errors, ...h.warnings);
        }
      }
    }
    // Overlays against their base: a Policy of that name given here, else the shipped base.
    if (overlays.length > 0) {
      const shipped = (await lib.loadPolicySource(lib.DEFAULT_POLICY_FILE)).value!;
      const bases = new Map<string, import('../resolve.js').PolicySource>([[shipped.written.metadata.name, shipped]]);
      for (const p of [...policies].reverse()) bases.set(p.written.metadata.name, p);
      const groups = new Map<import('../resolve.js').PolicySource, import('../resolve.js').OverlaySource[]>();
      for (const o of overlays) {
        const base = bases.get(o.written.spec.extends.policy) ?? shipped;
        groups.set(base, [...(groups.get(base) ?? []), o]);
      }
      // Over the shipped base, overlays are checked as eval applies them: after the shipped vendor overlays.
      const given = new Set(overlays.map((o) => path.resolve(o.doc!.file)));
      const shippedOverlays: import('../resolve.js').OverlaySource[] = [];
      for (const f of await lib.defaultOverlayFiles()) if (!given.has(path.resolve(f))) shippedOverlays.push((await lib.loadOverlay(f)).value!);
      for (const [base, mine] of groups) {
        const checked = lib.checkPolicySet(base, base === shipped ? [...shippedOverlays, ...mine] : mine);
        all.push(...checked.errors, ...checked.warnings);
      }
    }
    const errors = all.filter(lib.isError);
    this.write(lib.renderDiagnostics(all));
    if (errors.length > 0) {
      this.write(`${errors.length} error${errors.length === 1 ? '' : 's'} in ${documents} document${documents === 1 ? '' : 's'} read\n`);
      process.exitCode = 2;
    } else if (!flags.quiet) {
      this.write(`${documents} document${documents === 1 ? '' : 's'} valid\n`);
    }
  }
}
