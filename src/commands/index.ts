// The commands, registered explicitly (oclif's "explicit" discovery). Each
// command module is thin and imports the library only inside run(), so
// loading this table at start-up stays cheap.
import Compile from './compile.js';
import Eval from './eval.js';
import Test from './test.js';
import Validate from './validate.js';

export const COMMANDS = {
  compile: Compile,
  eval: Eval,
  test: Test,
  validate: Validate,
};
