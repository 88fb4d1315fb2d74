/**
 * The fake Slack Web API in a process of its own, so the load generator's timings are not
 * disturbed by it answering Firebreak's chat.postMessage calls and the bare Bolt app's
 * response_url posts. Prints one JSON line ({"apiUrl": …}) when listening; answers the IPC message
 * "posted" with, for each app, how many deliveries it answered so far and when (Date.now()) the last
 * one arrived; exits on SIGTERM.
 *
 * Whose answer is whose: the bare Bolt app answers every command through its response_url with
 * BARE_BOLT_ANSWER; Firebreak posts a public answer with chat.postMessage (it needs the message's ts
 * to edit it), and uses the response_url only for private replies, which count as its own.
 */
import { startSlackFake } from '../../test/fakes/slack-api.js';
import { BARE_BOLT_ANSWER } from './bare-bolt-answer.js';

const users = Array.from({ length: 10 }, (_, i) => ({ id: `UBENCH${i}`, name: `bench${i}` }));
// Every delivery goes to its own channel, so Slack's one message per second per channel is never hit.
const fake = await startSlackFake({ botToken: process.env.BENCH_BOT_TOKEN ?? 'xoxb-bench', users });

// Answers per delivery, not per call: every delivery has its own channel, and its response_url ends
// in that channel's id, so a "running…" message, its edit and a private note are one delivery answered.
const answered = { bolt: new Set<string>(), firebreak: new Set<string>() };
const lastAt = { bolt: 0, firebreak: 0 };
const count = (app: 'bolt' | 'firebreak', delivery: string, at: number) => {
  answered[app].add(delivery);
  lastAt[app] = Math.max(lastAt[app], at);
};
// The fake records every call; only deliveries and times matter here. (Messages stay: chat.update needs them.)
const tally = () => {
  for (const c of fake.calls) if (c.method === 'chat.postMessage' && c.status === 200) count('firebreak', String(c.args.channel), c.at);
  fake.calls.length = 0;
  for (const p of fake.responsePosts) count(p.body.text === BARE_BOLT_ANSWER ? 'bolt' : 'firebreak', p.id, p.at);
  fake.responsePosts.length = 0;
};
const tallies = () => ({ bolt: { posted: answered.bolt.size, lastAt: lastAt.bolt }, firebreak: { posted: answered.firebreak.size, lastAt: lastAt.firebreak } });
setInterval(tally, 250).unref();
process.on('message', (m) => {
  if (m !== 'posted') return;
  tally();
  process.send?.(tallies());
});
process.on('SIGTERM', () => void fake.close().then(() => process.exit(0)));
console.log(JSON.stringify({ apiUrl: fake.apiUrl }));
