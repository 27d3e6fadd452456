// Preloaded by the bench into every process it times: writes that process's
// peak RSS (kB) and CPU time (user + system, ms) as JSON to the file named by
// MDEV_BENCH_RSS when it exits. Not product code.
/* eslint-disable */
const fs = require('node:fs');
process.on('exit', () => {
  if (!process.env.MDEV_BENCH_RSS) return;
  const u = process.resourceUsage();
  fs.writeFileSync(process.env.MDEV_BENCH_RSS, JSON.stringify({ rssKb: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 }));
});
