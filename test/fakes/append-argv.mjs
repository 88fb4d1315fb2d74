#!/usr/bin/env node
// A stand-in for a deploy tool that keeps every call: appends its arguments (after the log file)
// as one JSON line to the file named by its first argument, then prints them. When the file named
// by a FAIL_IF=PATH argument exists, it fails (exit 3) and records nothing.
import { appendFileSync, existsSync } from 'node:fs';

const [log, ...args] = process.argv.slice(2);
const failIf = args.find((a) => a.startsWith('FAIL_IF='));
const rest = args.filter((a) => a !== failIf);
if (failIf && existsSync(failIf.slice('FAIL_IF='.length))) {
  process.stderr.write(`refusing: ${rest.join(' ')}\n`);
  process.exit(3);
}
appendFileSync(log, `${JSON.stringify(rest)}\n`);
process.stdout.write(`did: ${rest.join(' ')}\n`);
