/** The health checks `/health` and the health watch run: `services.NAME.health` and `datastores.NAME`. */
import { z } from 'zod';
import { parseJsonPath } from './json-path.js';

const timeoutMs = z.number().int().min(50).max(600_000);
const port = z.number().int().min(1).max(65535);

export const httpCheckSchema = z
  .object({
    type: z.literal('http'),
    // The prober speaks HTTP only: ftp:// and the like would pass here and fail at every check.
    url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
    method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
    expect_status: z.number().int().min(100).max(599).default(200),
    body_contains: z.string().optional(),
    headers: z.record(z.string(), z.string()).default({}),
    timeout_ms: timeoutMs.default(2000),
  })
  .strict();

export const postgresCheckSchema = z
  .object({
    type: z.literal('postgres'),
    /** Absent: check Firebreak's own store (embedded PGlite or DATABASE_URL). */
    url: z.string().optional(),
    timeout_ms: timeoutMs.default(2000),
  })
  .strict();

export const redisCheckSchema = z
  .object({
    type: z.literal('redis'),
    url: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://'),
    timeout_ms: timeoutMs.default(2000),
  })
  .strict();

export const tcpCheckSchema = z
  .object({
    type: z.literal('tcp'),
    host: z.string().min(1),
    port,
    timeout_ms: timeoutMs.default(2000),
  })
  .strict();

/**
 * A TLS certificate's expiry, as the runbooks check it with `openssl s_client | openssl x509 -dates`:
 * fails when expired or not trusted, warns when it expires within warn_days.
 */
export const tlsCheckSchema = z
  .object({
    type: z.literal('tls'),
    host: z.string().min(1),
    port: port.default(443),
    /** The name sent as SNI and checked against the certificate; default: host. */
    servername: z.string().min(1).optional(),
    warn_days: z.number().int().min(0).max(365).default(14),
    /** Only the expiry is checked: the chain and the name are not (a self-signed certificate passes). */
    insecure: z.boolean().default(false),
    /** PEM file with the CA(s) to trust instead of Node's bundled roots (an internal CA). */
    ca_file: z.string().min(1).optional(),
    timeout_ms: timeoutMs.default(5000),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.insecure && c.ca_file !== undefined) ctx.addIssue({ code: 'custom', path: ['ca_file'], message: 'has no effect with insecure: true (the chain is not checked); remove one of them' });
  });

const threshold = {
  /** The value must be at least this. */
  min: z.number().optional(),
  /** The value must be at most this. */
  max: z.number().optional(),
};

function checkRange(c: { min?: number | undefined; max?: number | undefined }, ctx: z.RefinementCtx): void {
  if (c.min !== undefined && c.max !== undefined && c.max < c.min) ctx.addIssue({ code: 'custom', path: ['max'], message: `must be ≥ min (${c.min})` });
}

/** A field of an HTTP JSON response compared with a value (`equals`) or a range (`min`/`max`). */
export const jsonCheckSchema = z
  .object({
    type: z.literal('json'),
    url: z.url(),
    headers: z.record(z.string(), z.string()).default({}),
    expect_status: z.number().int().min(100).max(599).default(200),
    /** jq-style: `.healthy_count`, `.services.litellm.status` (src/config/json-path.ts). */
    path: z.string().min(1).superRefine((p, ctx) => {
      const parsed = parseJsonPath(p);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.error });
    }),
    equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
    ...threshold,
    timeout_ms: timeoutMs.default(2000),
  })
  .strict()
  .superRefine((c, ctx) => {
    const hasRange = c.min !== undefined || c.max !== undefined;
    if (c.equals === undefined && !hasRange) ctx.addIssue({ code: 'custom', message: 'needs equals, min or max: what the field is compared with' });
    if (c.equals !== undefined && hasRange) ctx.addIssue({ code: 'custom', path: ['equals'], message: 'cannot be combined with min or max' });
    checkRange(c, ctx);
  });

/**
 * An external program, run without a shell (`pg_isready`, a script printing a Kafka consumer lag):
 * up when its exit code is in expect_exit and, with min/max, the first number it prints is in range.
 */
export const commandCheckSchema = z
  .object({
    type: z.literal('command'),
    argv: z.array(z.string().min(1)).min(1),
    expect_exit: z.array(z.number().int().min(0).max(255)).min(1).default([0]),
    ...threshold,
    /** Extra environment (credentials: argv would show them in `ps`); the same rule as actions' env in schema.ts. */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'), z.string()).default({}),
    timeout_ms: timeoutMs.default(5000),
  })
  .strict()
  .superRefine(checkRange);

export const checkSchema = z.discriminatedUnion('type', [
  httpCheckSchema,
  postgresCheckSchema,
  redisCheckSchema,
  tcpCheckSchema,
  tlsCheckSchema,
  jsonCheckSchema,
  commandCheckSchema,
]);
export type CheckConfig = z.infer<typeof checkSchema>;
export type TlsCheckConfig = z.infer<typeof tlsCheckSchema>;
export type JsonCheckConfig = z.infer<typeof jsonCheckSchema>;
export type CommandCheckConfig = z.infer<typeof commandCheckSchema>;
