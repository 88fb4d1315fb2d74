// A tool that takes its time: writes a marker file when it starts (so a test knows it is running),
// sleeps the given seconds, then prints what it did and exits 0. With CALLS_LOG, each start also
// appends one line there, so a test can count how often it was started.
// Usage: node slow-tool.mjs MARKER_FILE SECONDS [CALLS_LOG]
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';

const [marker, seconds, calls] = process.argv.slice(2);
// Written whole, by rename: a reader never sees the file empty (an empty pid reads as 0, and
// kill(0) would signal the reader's whole process group).
writeFileSync(`${marker}.tmp`, String(process.pid));
renameSync(`${marker}.tmp`, marker);
if (calls) appendFileSync(calls, `${JSON.stringify({ pid: process.pid, seconds: Number(seconds) })}\n`);
setTimeout(() => {
  process.stdout.write(`slept ${seconds} s\n`);
  process.exit(0);
}, Number(seconds) * 1000);
