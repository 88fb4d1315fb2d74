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
  FIREBREAK_PUBLIC_URL: optionalString.pipe(z.string().trim().regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/i).optional()),
  FIREBREAK_LINK_SECRET: optionalString.pipe(z.string().min(32).optional()),
});

/** What each validated variable must be, for the error sentence. The others are free text. */
const EXPECTED: Record<string, string> = {
  PORT: 'a port number (1–65535)',
  LOG_LEVEL: `one of ${LOG_LEVELS.join(', ')}`,
  FIREBREAK_PUBLIC_URL: 'an http(s) URL without query, such as https://firebreak.example.com',
  FIREBREAK_LINK_SECRET: 'at least 32 characters (e.g. the output of openssl rand -base64 32)',
};

/** Variables whose value must not appear in an error: their length is said instead. */
const SECRET_VARS = new Set(['FIREBREAK_LINK_SECRET']);

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
  /** The base of links posted in chat (no trailing slash); default http://localhost:PORT. */
  publicUrl: string;
  /** Signs those links; unset → a secret generated once and kept in the store. */
  linkSecret: string | undefined;
}

export function readRuntimeEnv(env: NodeJS.ProcessEnv = process.env): RuntimeEnv {
  const parsed = runtimeEnvSchema.safeParse(env);
  if (!parsed.success) {
    const name = String(parsed.error.issues[0]?.path[0] ?? '?');
    const got = SECRET_VARS.has(name) ? `${String(env[name]).length} characters` : JSON.stringify(String(env[name]).slice(0, 40));
    throw new EnvError(`${name} must be ${EXPECTED[name] ?? 'valid'}, got ${got}.`);
  }
  const e = parsed.data;
  const port = e.PORT ?? 3000;
  return {
    configPath: e.FIREBREAK_CONFIG ?? './firebreak.yml',
    configPathExplicit: e.FIREBREAK_CONFIG !== undefined,
    dataDir: e.FIREBREAK_DATA_DIR ?? './.firebreak',
    port,
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
    publicUrl: (e.FIREBREAK_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    linkSecret: e.FIREBREAK_LINK_SECRET,
  };
}
