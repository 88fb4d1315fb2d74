/** Kept free of Bolt so main.ts can decide without loading the Slack SDK. */
export interface SlackEnv {
  botToken?: string;
  signingSecret?: string;
  appToken?: string;
  apiUrl?: string;
}

/** SLACK_APP_TOKEN → Socket Mode; SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET → HTTP; otherwise Slack is off. */
export function slackMode(env: SlackEnv): 'http' | 'socket' | 'off' {
  if (env.appToken) return 'socket';
  if (env.botToken && env.signingSecret) return 'http';
  return 'off';
}
