#!/usr/bin/env node
// A stand-in for a restore tool that reads the backup on stdin (clickhouse-client --query
// "INSERT … FORMAT TabSeparatedWithNames"): writes {args, stdin} as JSON to the file named by its
// first argument once stdin ends. FAKE_EXIT=N in the arguments makes it exit with N after reading.
import { writeFileSync } from 'node:fs';

const [out, ...args] = process.argv.slice(2);
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  writeFileSync(out, JSON.stringify({ args, stdin: Buffer.concat(chunks).toString('utf8') }));
  const exit = args.find((a) => a.startsWith('FAKE_EXIT='));
  if (exit) {
    process.stderr.write('restore tool failed on purpose\n');
    process.exit(Number(exit.slice('FAKE_EXIT='.length)));
  }
});
