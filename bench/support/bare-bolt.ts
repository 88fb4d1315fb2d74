/**
 * The baseline for the ack benchmark: a bare Bolt 5 app on Bolt's own HTTPReceiver that
 * acknowledges every slash command and does nothing else. Prints {"port": …} when listening.
 */
import { App, LogLevel } from '@slack/bolt';

const app = new App({
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? '',
  // As Firebreak does: no auth.test per request.
  authorize: async () => ({ botToken: 'xoxb-bench' }),
  logLevel: LogLevel.ERROR,
});
app.command(/.*/, async ({ ack }) => {
  await ack();
});
const server = await app.start(Number(process.env.PORT ?? 0));
const address = server.address();
process.on('SIGTERM', () => void app.stop().then(() => process.exit(0)));
console.log(JSON.stringify({ port: typeof address === 'object' && address ? address.port : null }));
