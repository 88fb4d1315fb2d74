/**
 * The baseline for the ack benchmark: a bare Bolt 5 app on Bolt's own HTTPReceiver that
 * acknowledges every slash command and then answers it through respond() (a POST to the request's
 * response_url, which the fake Slack records), as the smallest Bolt app that does any work would.
 * Prints {"port": …} when listening.
 */
import { App, LogLevel } from '@slack/bolt';
import { BARE_BOLT_ANSWER } from './bare-bolt-answer.js';

const app = new App({
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? '',
  // As Firebreak does: no auth.test per request.
  authorize: async () => ({ botToken: 'xoxb-bench' }),
  logLevel: LogLevel.ERROR,
});
app.command(/.*/, async ({ ack, respond }) => {
  await ack();
  await respond({ response_type: 'in_channel', text: BARE_BOLT_ANSWER });
});
const server = await app.start(Number(process.env.PORT ?? 0));
const address = server.address();
process.on('SIGTERM', () => void app.stop().then(() => process.exit(0)));
console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : null }));
