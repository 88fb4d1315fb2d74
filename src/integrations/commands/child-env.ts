/**
 * The environment external tools start with. They inherit the host's (kubectl's exec plugins need
 * AWS_*, HOME, KUBECONFIG…), minus Firebreak's own credentials: a custom action or a Railway CLI
 * has no business holding the bot's Slack/Discord tokens or its database and Redis URLs. A tool
 * that needs a secret gets it explicitly (an action's `env:`, PGPASSWORD for pg_dump).
 */
const FIREBREAK_OWN = /^(SLACK_|DISCORD_)|^(DATABASE_URL|REDIS_URL|TEST_DATABASE_URL|TEST_REDIS_URL)$/;

export function childEnv(extra: Readonly<Record<string, string>> = {}, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !FIREBREAK_OWN.test(k)) env[k] = v;
  return { ...env, ...extra };
}
