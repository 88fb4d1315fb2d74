// A tool that takes its time: writes a marker file when it starts (so a test knows it is running),
// sleeps the given seconds, then prints what it did and exits 0. With CALLS_LOG, each start also
// appends one line there, so a test can count how often it was started.
// Usage: node slow-tool.mjs MARKER_FILE SECONDS [CALLS_LOG]
import { appendFileSync, writeFileSync } from 'node:fs';

const [marker, seconds, calls] = process.argv.slice(2);
writeFileSync(marker, String(process.pid));
if (calls) appendFileSync(calls, `${JSON.stringify({ pid: process.pid, seconds: Number(seconds) })}\n`);
setTimeout(() => {
  process.stdout.write(`slept ${seconds} s\n`);
  process.exit(0);
}, Number(seconds) * 1000);
