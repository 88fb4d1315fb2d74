import { createHmac } from 'node:crypto';

/** Signs a request body exactly as Slack does: v0=HMAC-SHA256("v0:{ts}:{body}"). */
export function signSlack(secret: string, body: string, timestampS = Math.floor(Date.now() / 1000)): Record<string, string> {
  const sig = `v0=${createHmac('sha256', secret).update(`v0:${timestampS}:${body}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': String(timestampS), 'x-slack-signature': sig };
}

/** A slash command form body as Slack posts it. */
export function slashCommandBody(fields: { command: string; text?: string; user_id: string; user_name: string; channel_id: string; channel_name: string; trigger_id: string; response_url: string }): string {
  return new URLSearchParams({ token: 'verification-token-unused', team_id: 'T1', team_domain: 'fake', text: '', ...fields }).toString();
}

/** A block_actions interaction: one form field `payload` with the JSON. */
export function blockActionsBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
