#!/usr/bin/env node
// A stand-in for an external tool that records what environment it was given: writes
// process.env as JSON to the file named by its first argument (or to stdout when there is none,
// so a backup command's "dump" is its environment).
import { writeFileSync } from 'node:fs';

const [out] = process.argv.slice(2);
if (out) writeFileSync(out, JSON.stringify(process.env));
else process.stdout.write(JSON.stringify(process.env));
