#!/usr/bin/env node
// The mdev-policy executable: hands argv to oclif, which loads only the
// command being run (found through oclif.manifest.json, which the build writes).
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
