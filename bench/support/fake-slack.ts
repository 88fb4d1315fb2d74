/**
 * The fake Slack Web API in a process of its own, so the load generator's timings are not
 * disturbed by it answering Firebreak's chat.postMessage calls. Prints one JSON line
 * ({"apiUrl": …}) when listening; answers the IPC message "posted" with how many messages it
 * accepted so far; exits on SIGTERM.
 */
import { startSlackFake } from '../../test/fakes/slack-api.js';

const users = Array.from({ length: 10 }, (_, i) => ({ id: `UBENCH${i}`, name: `bench${i}` }));
// Every delivery goes to its own channel, so Slack's one message per second per channel is never hit.
const fake = await startSlackFake({ botToken: process.env.BENCH_BOT_TOKEN ?? 'xoxb-bench', users });

let posted = 0;
// The fake records every call; only the count matters here. (Messages stay: chat.update needs them.)
const tally = () => {
  posted += fake.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 200).length;
  fake.calls.length = 0;
};
setInterval(tally, 250).unref();
process.on('message', (m) => {
  if (m !== 'posted') return;
  tally();
  process.send?.({ posted });
});
process.on('SIGTERM', () => void fake.close().then(() => process.exit(0)));
console.log(JSON.stringify({ apiUrl: fake.apiUrl }));
