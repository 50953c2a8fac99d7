// Preloaded into a benchmarked child (`node --import`): at exit, writes the process' peak resident
// set size (KiB) to the file named by MCPGATE_BENCH_RSS_FILE, so the parent can read it.
import { writeFileSync } from 'node:fs';

const out = process.env.MCPGATE_BENCH_RSS_FILE;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
