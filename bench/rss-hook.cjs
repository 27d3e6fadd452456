// Preloaded by the bench into the CLI it times: writes the process's peak RSS
// (kB) to the file named by MDEV_BENCH_RSS when it exits. Not product code.
/* eslint-disable */
const fs = require('node:fs');
process.on('exit', () => {
  if (process.env.MDEV_BENCH_RSS) fs.writeFileSync(process.env.MDEV_BENCH_RSS, String(process.resourceUsage().maxRSS));
});
