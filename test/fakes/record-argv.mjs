#!/usr/bin/env node
// A stand-in for an external tool: writes the arguments it received (after the output file) as
// JSON to the file named by its first argument, then prints a line that echoes them.
// FAKE_EXIT=N in the arguments makes it exit with N.
import { writeFileSync } from 'node:fs';

const [out, ...args] = process.argv.slice(2);
writeFileSync(out, JSON.stringify(args));
process.stdout.write(`received ${args.length} args: ${args.join(' | ')}\n`);
const exit = args.find((a) => a.startsWith('FAKE_EXIT='));
if (exit) {
  process.stderr.write('tool failed on purpose\n');
  process.exit(Number(exit.slice('FAKE_EXIT='.length)));
}
