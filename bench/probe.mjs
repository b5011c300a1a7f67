// Preloaded into each action process (NODE_OPTIONS=--import) to report what the harness cannot see from outside:
// the process's own peak RSS and CPU time, and when Node had booted and when it began to exit (Date.now(), the simulator's clock).
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_PROBE_FILE;
if (file) {
  const bootedAt = Date.now();
  process.on('exit', () => {
    // maxRSS is in KiB (getrusage ru_maxrss); written synchronously so process.exit() is covered too.
    const cpu = process.cpuUsage();
    const probe = { maxRssKiB: process.resourceUsage().maxRSS, cpuMs: (cpu.user + cpu.system) / 1000, bootedAt, exitAt: Date.now() };
    writeFileSync(file, JSON.stringify(probe));
  });
}
