import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

/** The process environment Firebreak reads, validated once. Empty strings count as unset. */
export const runtimeEnvSchema = z.object({
  FIREBREAK_CONFIG: optionalString,
  FIREBREAK_DATA_DIR: optionalString,
  PORT: optionalString.pipe(z.string().regex(/^\d+$/, 'must be a port number').transform(Number).pipe(z.number().int().max(65535)).optional()),
  LOG_LEVEL: optionalString.pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional()),
  DATABASE_URL: optionalString,
  REDIS_URL: optionalString,
  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_API_URL: optionalString,
  DISCORD_BOT_TOKEN: optionalString,
  DISCORD_APPLICATION_ID: optionalString,
  DISCORD_PUBLIC_KEY: optionalString,
  DISCORD_API_URL: optionalString,
});

export interface RuntimeEnv {
  configPath: string;
  configPathExplicit: boolean;
  dataDir: string;
  port: number;
  logLevel: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  slack: { botToken?: string; signingSecret?: string; appToken?: string; apiUrl?: string };
  discord: { botToken?: string; applicationId?: string; publicKey?: string; apiUrl?: string };
}

export function readRuntimeEnv(env: NodeJS.ProcessEnv = process.env): RuntimeEnv {
  const parsed = runtimeEnvSchema.safeParse(env);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`environment variable ${String(first?.path[0] ?? '?')}: ${first?.message ?? 'invalid'}`);
  }
  const e = parsed.data;
  return {
    configPath: e.FIREBREAK_CONFIG ?? './firebreak.yml',
    configPathExplicit: e.FIREBREAK_CONFIG !== undefined,
    dataDir: e.FIREBREAK_DATA_DIR ?? './.firebreak',
    port: e.PORT ?? 3000,
    logLevel: e.LOG_LEVEL ?? 'info',
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    slack: { botToken: e.SLACK_BOT_TOKEN, signingSecret: e.SLACK_SIGNING_SECRET, appToken: e.SLACK_APP_TOKEN, apiUrl: e.SLACK_API_URL },
    discord: {
      botToken: e.DISCORD_BOT_TOKEN,
      applicationId: e.DISCORD_APPLICATION_ID,
      publicKey: e.DISCORD_PUBLIC_KEY,
      apiUrl: e.DISCORD_API_URL,
    },
  };
}
