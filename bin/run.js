#!/usr/bin/env node
// The mdev-policy executable: hands argv to oclif, which loads only the
// command being run (commands are registered explicitly in dist/commands/index.js).
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
