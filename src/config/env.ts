import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

/** A variable with a value Firebreak cannot use: one sentence naming it, what it must be and what it got. */
export class EnvError extends Error {
  override name = 'EnvError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The process environment Firebreak reads, validated once. Empty strings count as unset. */
export const runtimeEnvSchema = z.object({
  FIREBREAK_CONFIG: optionalString,
  FIREBREAK_DATA_DIR: optionalString,
  // 0 (any free port) is accepted for tests, but not advertised.
  PORT: optionalString.pipe(
    z
      .string()
      .regex(/^\s*\d{1,5}\s*$/)
      .transform(Number)
      .pipe(z.number().int().max(65535))
      .optional(),
  ),
  LOG_LEVEL: optionalString.pipe(z.enum(LOG_LEVELS).optional()),
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

/** What each validated variable must be, for the error sentence. The others are free text. */
const EXPECTED: Record<string, string> = {
  PORT: 'a port number (1–65535)',
  LOG_LEVEL: `one of ${LOG_LEVELS.join(', ')}`,
};

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
    const name = String(parsed.error.issues[0]?.path[0] ?? '?');
    throw new EnvError(`${name} must be ${EXPECTED[name] ?? 'valid'}, got ${JSON.stringify(String(env[name]).slice(0, 40))}.`);
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
