#!/usr/bin/env node
// A stand-in for a health tool (a script printing a Kafka consumer lag, pg_isready): prints its
// --print text to stdout and --stderr text to stderr, then exits with --exit (default 0).
// --sleep MS waits first (for timeouts).
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const run = () => {
  if (opt('--print') !== undefined) process.stdout.write(`${opt('--print')}\n`);
  if (opt('--stderr') !== undefined) process.stderr.write(`${opt('--stderr')}\n`);
  process.exit(Number(opt('--exit') ?? 0));
};
const sleep = Number(opt('--sleep') ?? 0);
if (sleep > 0) setTimeout(run, sleep);
else run();
