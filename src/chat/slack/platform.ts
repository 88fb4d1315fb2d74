import type { PlatformModule } from '../platform-module.js';
import { slackMode } from './mode.js';

/**
 * Slack as a platform module: on with SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET (HTTP) or
 * SLACK_APP_TOKEN (Socket Mode). Bolt is loaded only when it starts: `firebreak run` never pays for it.
 */
export const slackPlatform: PlatformModule = {
  id: 'slack',
  enabled: (runtime) => slackMode(runtime.slack) !== 'off',
  async start(ctx) {
    const { startSlack } = await import('./start.js');
    const slack = await startSlack(ctx.runtime.slack, {
      dispatcher: ctx.dispatcher,
      coordination: ctx.ports.coordination,
      deliveries: ctx.ports.deliveries,
      logger: ctx.logger,
      redactor: ctx.ports.redactor,
      router: ctx.router,
      onRateLimited: ctx.onRateLimited,
      maxWaiting: ctx.maxWaiting,
      // 📌 counts only in an incident's own channel.
      incidentChannel: async (platform, channelId) => (await ctx.ports.incidentAttribution.byChannel(platform, channelId)) !== null,
    });
    if (!slack) return null;
    return { id: 'slack', chat: slack.chat, idle: () => slack.idle(), close: () => slack.close() };
  },
};
