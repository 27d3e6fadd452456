// Every command of the CLI, by id: oclif's explicit command strategy
// (package.json `oclif.commands`) reads this map from the bundled CLI
// (dist/cli-commands.mjs, src/cli/commands-loader.ts) instead of searching a
// directory of files. A command added under src/commands/ must be added here
// too; the manifest build (scripts/build-manifest.mjs) fails when the two
// disagree.
import Annotate from '../commands/annotate.js';
import Collect from '../commands/collect.js';
import Compile from '../commands/compile.js';
import Eval from '../commands/eval.js';
import HookLibvirtQemu from '../commands/hook/libvirt-qemu.js';
import ImportLibvirt from '../commands/import/libvirt.js';
import ImportMdevctl from '../commands/import/mdevctl.js';
import ImportNvidiaSmi from '../commands/import/nvidia-smi.js';
import Matrix from '../commands/matrix.js';
import PolicyShow from '../commands/policy/show.js';
import Serve from '../commands/serve.js';
import Test from '../commands/test.js';
import Validate from '../commands/validate.js';

export const COMMANDS = {
  annotate: Annotate,
  collect: Collect,
  compile: Compile,
  eval: Eval,
  'hook:libvirt-qemu': HookLibvirtQemu,
  'import:libvirt': ImportLibvirt,
  'import:mdevctl': ImportMdevctl,
  'import:nvidia-smi': ImportNvidiaSmi,
  matrix: Matrix,
  'policy:show': PolicyShow,
  serve: Serve,
  test: Test,
  validate: Validate,
};
