// A tool that takes its time: writes a marker file when it starts (so a test knows it is running),
// sleeps the given seconds, then prints what it did and exits 0.
// Usage: node slow-tool.mjs MARKER_FILE SECONDS
import { writeFileSync } from 'node:fs';

const [marker, seconds] = process.argv.slice(2);
writeFileSync(marker, String(process.pid));
setTimeout(() => {
  process.stdout.write(`slept ${seconds} s\n`);
  process.exit(0);
}, Number(seconds) * 1000);
