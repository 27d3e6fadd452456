// `mdev-policy import mdevctl FILE…`: a Host descriptor from mdevctl's JSON.
import path from 'node:path';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base.js';
import { factsFlag } from '../../cli/flags.js';
import { printHost } from '../../cli/host-output.js';

export default class ImportMdevctl extends BaseCommand {
  static override summary = 'Write a Host descriptor from the JSON of `mdevctl types --dumpjson` and `mdevctl list --dumpjson`.';
  static override description =
    'Each file is a types dump, a list dump (with or without --defined) or one persistent config (/etc/mdevctl.d/<parent>/<uuid>, which needs --parent and --uuid); the shape is detected per file and all files merge into one Host. mdevctl reports no parent or host facts: --facts merges them (see `collect --help`). Repeated `attrs` keys become a list, in order. A wrong shape is an error (exit 2) naming the file and the JSON path.';
  static override examples = [
    { description: 'Types and devices of one host', command: 'mdevctl types --dumpjson > types.json && mdevctl list --dumpjson > list.json && <%= config.bin %> import mdevctl types.json list.json --name host-a > host-a.yaml' },
    { description: 'One persistent config', command: '<%= config.bin %> import mdevctl /etc/mdevctl.d/matrix/4f8a6b2e-9c3d-4e5f-8a7b-1c2d3e4f5a6b --parent matrix --uuid 4f8a6b2e-9c3d-4e5f-8a7b-1c2d3e4f5a6b' },
  ];
  static override strict = false;
  static override args = { files: Args.string({ required: true, description: 'mdevctl JSON files.' }) };
  static override flags = {
    name: Flags.string({ description: 'metadata.name of the host; default: the first file\'s name without extension.', helpValue: 'NAME' }),
    parent: Flags.string({ description: 'Parent of a lone config file.', helpValue: 'PARENT' }),
    uuid: Flags.string({ description: 'UUID of a lone config file.', helpValue: 'UUID' }),
    format: Flags.string({ options: ['yaml', 'json', 'ndjson'], default: 'yaml', description: 'Output format (ndjson: one line, to append to a fleet inventory).' }),
    json: Flags.boolean({ description: 'Same as --format json.' }),
    facts: factsFlag,
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(ImportMdevctl);
    const files = argv as string[];
    const { importMdevctlFiles } = await import('../../import/index.js');
    const { loadFactsFiles } = await import('../../import/facts.js');
    const facts = await loadFactsFiles(flags.facts ?? []);
    if (!facts.ok) return printHost(facts, flags.json ? 'json' : flags.format);
    const result = await importMdevctlFiles(files, flags.name ?? path.basename(files[0]!).replace(/\.[^.]*$/, ''), { parent: flags.parent, uuid: flags.uuid }, undefined, facts.value);
    await printHost(result, flags.json ? 'json' : flags.format);
  }
}
