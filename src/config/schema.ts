import { maintenanceSchema, windowName } from './maintenance-schema.js';
import { drillRouteLabels, drillsSchema } from './drills-schema.js';
import { defaultWebConfig, webSchema } from './web-schema.js';
import { alertsSchema, defaultAlertsConfig } from './alerts-schema.js';
import { defaultIncidentsConfig, incidentsSchema } from './incidents-schema.js';
import { postmortemsSchema } from './postmortems-schema.js';
import { expectExitSchema, outputFiltersSchema } from './action-output-schema.js';
import { procedureReferenceProblems, procedureSchema } from './procedures-schema.js';
import { z } from 'zod';
import { PLATFORM_IDS } from './platforms.js';
import { checkSchema } from './health-schema.js';
import { paramRuleProblems, paramRuleSchema, paramSchema, type ParamConfig } from './params-schema.js';

/** Names that end up in argv, channel names and lease keys: no spaces, no shell metacharacters. */
export const nameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lowercase letters, digits, "-" or "_" (max 63 chars)');

// The health checks live in health-schema.ts; re-exported so importers keep one place.
export { checkSchema, commandCheckSchema, httpCheckSchema, jsonCheckSchema, postgresCheckSchema, redisCheckSchema, tcpCheckSchema, tlsCheckSchema } from './health-schema.js';
export type { CheckConfig, CommandCheckConfig, JsonCheckConfig, TlsCheckConfig } from './health-schema.js';

const replicasSchema = z
  .object({ min: z.number().int().min(0), max: z.number().int().min(0).max(1000) })
  .strict()
  .superRefine((r, ctx) => {
    if (r.max < r.min) ctx.addIssue({ code: 'custom', path: ['max'], message: `must be ≥ min (${r.min})` });
  });

/** argv template: each element is one argument; `{name}` placeholders are filled from validated values only. */
export const argvTemplateSchema = z.array(z.string().min(1)).min(1);

/**
 * Extra environment for an external tool (it gets only a base environment besides: PATH, HOME,
 * locale, proxies, KUBECONFIG…). The place for credentials such as RAILWAY_TOKEN or AWS keys,
 * which argv would show in `ps`.
 */
const toolEnvSchema = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name'), z.string());

const kubernetesDeploySchema = z
  .object({
    kind: z.literal('kubernetes'),
    context: z.string().min(1).optional(),
    namespace: nameSchema,
    deployment: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a Kubernetes object name'),
    container: z.string().min(1).optional(),
    kubeconfig: z.string().optional(),
    rollout_timeout_s: z.number().int().min(5).max(3600).default(300),
    /** For kubectl and its credential plugins (an EKS exec plugin's AWS_PROFILE, …). */
    env: toolEnvSchema.optional(),
  })
  .strict();

/** Which validated values each deploy operation's template may use. */
const DEPLOY_PLACEHOLDERS = {
  rollback: ['service', 'revision'],
  scale: ['service', 'replicas'],
  restart: ['service'],
  status: ['service'],
} as const;

const commandsDeploySchema = z
  .object({
    kind: z.literal('commands'),
    rollback: argvTemplateSchema.optional(),
    scale: argvTemplateSchema.optional(),
    restart: argvTemplateSchema.optional(),
    status: argvTemplateSchema.optional(),
    timeout_s: z.number().int().min(1).max(3600).default(300),
    /** For the deploy tool: RAILWAY_TOKEN, HELM_* …. */
    env: toolEnvSchema.optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    // A typo like {replica} would otherwise surface only at 3 a.m., as a command that "is not configured".
    for (const op of Object.keys(DEPLOY_PLACEHOLDERS) as (keyof typeof DEPLOY_PLACEHOLDERS)[]) {
      const allowed: readonly string[] = DEPLOY_PLACEHOLDERS[op];
      for (const [i, element] of (d[op] ?? []).entries()) {
        for (const m of element.matchAll(PLACEHOLDER)) {
          if (!allowed.includes(m[1]!)) {
            ctx.addIssue({ code: 'custom', path: [op, i], message: `uses {${m[1]}}; ${op} templates may use ${allowed.map((a) => `{${a}}`).join(', ')}` });
          }
        }
      }
    }
  });

export const serviceSchema = z
  .object({
    description: z.string().optional(),
    deploy: z.discriminatedUnion('kind', [kubernetesDeploySchema, commandsDeploySchema]).optional(),
    replicas: replicasSchema.optional(),
    health: checkSchema.optional(),
    /** Custom action names offered as buttons on this service's alerts. */
    actions: z.array(nameSchema).default([]),
  })
  .strict();
export type ServiceConfig = z.infer<typeof serviceSchema>;

/** `{name}` in action templates; the same syntax as src/integrations/commands/fill-argv.ts fills. */
const PLACEHOLDER = /\{([a-z_][a-z0-9_-]*)\}/gi;

export type ActionParamConfig = ParamConfig;

export const actionSchema = z
  .object({
    description: z.string().optional(),
    /** Absent: "responders", or for a read_only action no role (anyone in an allowed channel, like /status). */
    role: nameSchema.optional(),
    /**
     * Absent: true, or false for a read_only action (which cannot ask). `two_person`: someone other
     * than the requester (with the role) must press Confirm, as for restores (FLUSHDB, restore scripts).
     */
    confirm: z.union([z.boolean(), z.literal('two_person')]).optional(),
    /** Changes nothing: no role needed by default, no confirmation, no lease; not taken as the mitigation. */
    read_only: z.boolean().default(false),
    /** Filters over the output (stdout, or an HTTP body), in order; chat and the timeline keep what they leave. */
    output: outputFiltersSchema.default([]),
    /** Exit codes of an argv action that count as success. */
    expect_exit: expectExitSchema.optional(),
    params: z.record(nameSchema, paramSchema).default({}),
    /** Rules between params, e.g. [{ lte: [min, max] }]: refused with one sentence before anything runs. */
    rules: z.array(paramRuleSchema).default([]),
    argv: argvTemplateSchema.optional(),
    /** Extra environment for an argv action: the place for secrets, which argv would show in `ps`. */
    env: toolEnvSchema.default({}),
    http: z
      .object({
        method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
        url: z.string().min(1),
        headers: z.record(z.string(), z.string()).default({}),
        body: z.unknown().optional(),
        expect_status: z.array(z.number().int()).default([200, 201, 202, 204]),
      })
      .strict()
      .optional(),
    timeout_s: z.number().int().min(1).max(3600).default(60),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (!a.argv === !a.http) ctx.addIssue({ code: 'custom', message: 'needs exactly one of argv or http' });
    if (a.http && Object.keys(a.env).length > 0) ctx.addIssue({ code: 'custom', path: ['env'], message: 'is for argv actions; an http action sends headers' });
    if (a.http && a.expect_exit) ctx.addIssue({ code: 'custom', path: ['expect_exit'], message: 'is for argv actions; an http action says which statuses count with http.expect_status' });
    if (a.read_only && (a.confirm === true || a.confirm === 'two_person')) {
      ctx.addIssue({ code: 'custom', path: ['confirm'], message: `a read_only action runs at once, without confirmation or lease; remove confirm: ${String(a.confirm)}, or read_only if it changes something` });
    }
    for (const name of Object.keys(a.params)) {
      if (!/^[a-z_]/.test(name)) ctx.addIssue({ code: 'custom', path: ['params', name], message: 'param names must start with a letter or "_" so {name} can refer to them' });
    }
    for (const p of paramRuleProblems(a.params, a.rules)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
    const secrets = new Set(Object.entries(a.params).filter(([, p]) => p.type === 'string' && p.secret).map(([n]) => n));
    if (secrets.size > 0 && a.http) ctx.addIssue({ code: 'custom', path: ['params'], message: 'secret params are for argv actions, which receive them through env:; an http action cannot take one' });
    // A secret reaches the tool through its environment only: argv is shown on cards, stored in the timeline and visible in `ps`.
    a.argv?.forEach((part, i) => {
      for (const m of part.matchAll(PLACEHOLDER)) {
        if (secrets.has(m[1]!)) ctx.addIssue({ code: 'custom', path: ['argv', i], message: `uses the secret param {${m[1]}}; pass it through env: instead (e.g. env: { API_KEY: "{${m[1]}}" }), never argv` });
      }
    });
    for (const [k, v] of Object.entries(a.env)) {
      for (const m of v.matchAll(PLACEHOLDER)) {
        if (!Object.hasOwn(a.params, m[1]!)) ctx.addIssue({ code: 'custom', path: ['env', k], message: `uses {${m[1]}}, which is not a declared param` });
      }
    }
    // Every {placeholder} must be a declared param: otherwise it would fail only when someone runs it at 3 a.m.
    const check = (text: string, path: (string | number)[]) => {
      for (const m of text.matchAll(PLACEHOLDER)) {
        if (!Object.hasOwn(a.params, m[1]!)) ctx.addIssue({ code: 'custom', path, message: `uses {${m[1]}}, which is not a declared param` });
      }
    };
    a.argv?.forEach((part, i) => check(part, ['argv', i]));
    if (a.http) {
      check(a.http.url, ['http', 'url']);
      for (const [k, v] of Object.entries(a.http.headers)) {
        if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) ctx.addIssue({ code: 'custom', path: ['http', 'headers', k], message: 'is not a valid HTTP header name' });
        check(v, ['http', 'headers', k]);
      }
      if (a.http.body !== undefined && a.http.method === 'GET') {
        ctx.addIssue({ code: 'custom', path: ['http', 'body'], message: 'a GET request cannot have a body; use POST, PUT, PATCH or DELETE' });
      }
      const walk = (node: unknown, path: (string | number)[]): void => {
        if (typeof node === 'string') check(node, path);
        else if (Array.isArray(node)) node.forEach((v, i) => walk(v, [...path, i]));
        else if (node !== null && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, [...path, k]);
      };
      walk(a.http.body, ['http', 'body']);
      let url: URL | null = null;
      try {
        url = new URL(a.http.url.replace(PLACEHOLDER, 'x'));
      } catch {
        url = null;
      }
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        ctx.addIssue({ code: 'custom', path: ['http', 'url'], message: 'must be an http:// or https:// URL' });
      }
    }
  })
  // The defaults depend on read_only, so they are filled here rather than by .default().
  .transform((a) => ({
    ...a,
    role: a.role ?? (a.read_only ? null : 'responders'),
    confirm: a.confirm ?? !a.read_only,
    expect_exit: a.expect_exit ?? [0],
  }));
export type ActionConfig = z.infer<typeof actionSchema>;

const cronSchema = z
  .string()
  .min(1)
  // Five fields (minute precision) or six (with seconds, used by tests); croner checks the values when
  // the backup schedule starts (src/scheduler/cron-slots.ts), which logs a bad one and skips it.
  .refine((s) => [5, 6].includes(s.trim().split(/\s+/).length), 'must be a cron expression with 5 fields, e.g. "0 3 * * *"');

const backupTargetCommon = {
  /** Overrides backups.schedule for this target; "off" disables scheduled backups of it. */
  schedule: z.union([cronSchema, z.literal('off')]).optional(),
  timeout_s: z.number().int().min(10).max(86_400).default(3600),
  /**
   * Replaces the built-in restore (psql / pg_restore): an argv (no shell) that reads the backup,
   * gunzipped, on its stdin — e.g. clickhouse-client --query "INSERT INTO t FORMAT TabSeparatedWithNames".
   */
  restore: argvTemplateSchema.optional(),
};

const postgresBackupTargetSchema = z
  .object({
    type: z.literal('postgres'),
    /** The database pg_dump reads; a password in it is passed through PGPASSWORD, never in argv. */
    url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
    format: z.enum(['custom', 'plain']).default('custom'),
    /** Where /backup restore writes; defaults to url (the database the backup came from). */
    restore_url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
    /** A scratch database /backup verify restores into and counts; never url or restore_url. */
    verify_url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
    /** When /backup verify latest runs unattended (UTC cron), e.g. the runbook's monthly test restore. */
    verify_schedule: cronSchema.optional(),
    ...backupTargetCommon,
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.verify_schedule && !t.verify_url) ctx.addIssue({ code: 'custom', path: ['verify_schedule'], message: 'needs verify_url: the scratch database a test restore goes into' });
    const same = (a: string, b: string) => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
    if (t.verify_url && (same(t.verify_url, t.url) || (t.restore_url && same(t.verify_url, t.restore_url)))) {
      ctx.addIssue({ code: 'custom', path: ['verify_url'], message: 'must be a scratch database, not url or restore_url: /backup verify drops and recreates what the backup holds there' });
    }
  });

const commandBackupTargetSchema = z
  .object({
    type: z.literal('command'),
    /** Runs without a shell; its stdout is the backup (gzipped on the way). Exit 0 or it does not count. */
    argv: argvTemplateSchema,
    /** File name part before .gz, e.g. "native" → 2026-…Z.native.gz. */
    extension: z.string().regex(/^[a-z0-9.]{1,20}$/, 'must be lowercase letters, digits or dots').default('bin'),
    ...backupTargetCommon,
  })
  .strict();

export const backupTargetSchema = z.discriminatedUnion('type', [postgresBackupTargetSchema, commandBackupTargetSchema]);
export type BackupTargetConfig = z.infer<typeof backupTargetSchema>;

export const backupDestinationSchema = z.union([
  z
    .object({
      s3: z
        .object({
          bucket: z.string().min(1),
          prefix: z.string().default(''),
          /** For MinIO or another S3-compatible server, e.g. http://minio:9000. */
          endpoint: z.url().optional(),
          region: z.string().min(1).default('us-east-1'),
          force_path_style: z.boolean().default(false),
          access_key_id: z.string().min(1).optional(),
          secret_access_key: z.string().min(1).optional(),
          part_size_mb: z.number().int().min(5).max(512).default(8),
        })
        .strict(),
    })
    .strict(),
  z.object({ dir: z.string().min(1) }).strict(),
]);
export type BackupDestinationConfig = z.infer<typeof backupDestinationSchema>;

export const backupsSchema = z
  .object({
    targets: z.record(nameSchema, backupTargetSchema).default({}),
    destination: backupDestinationSchema.optional(),
    /** Default schedule for every target (UTC); a target's own schedule wins; "off": only targets with their own. */
    schedule: z.union([cronSchema, z.literal('off')]).optional(),
    /** Complete backups older than this are deleted (object and record) after each scheduled run. */
    retention_days: z.number().int().min(1).max(3650).optional(),
    /** gzip level: 1 is fastest, 9 smallest. */
    compression_level: z.number().int().min(1).max(9).default(6),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (Object.keys(b.targets).length > 0 && !b.destination) {
      ctx.addIssue({ code: 'custom', path: ['destination'], message: 'is required when backup targets are configured: { s3: {...} } or { dir: PATH }' });
    }
  });
export type BackupsConfig = z.infer<typeof backupsSchema>;

/**
 * A member that can actually match someone: a typo'd platform or a Slack display name would be
 * accepted and then silently never match (or, for display names, match whoever copies it).
 */
const roleMemberSchema = z.string().superRefine((m, ctx) => {
  if (m === '*') return;
  const match = new RegExp(`^(${PLATFORM_IDS.join('|')}):(\\S+)$`).exec(m);
  if (!match) {
    ctx.addIssue({ code: 'custom', message: `"${m}" is not a member: write "*", slack:MEMBER_ID, discord:USER_ID_OR_USERNAME or console:OS_USER` });
  } else if (match[1] === 'slack' && !/^[UW][A-Z0-9]{2,}$/.test(match[2]!)) {
    ctx.addIssue({ code: 'custom', message: `"${m}": Slack members are named by member id (slack:U024BE7LH), since anyone can copy a display name` });
  }
});

export const configSchema = z
  .object({
    chat: z
      .object({
        /** Channel name (Slack) or name/id (Discord) where alerts go and where commands are always allowed. */
        incidents_channel: z.string().min(1).default('incidents'),
        /** Further channels where commands are allowed. Incident channels (prefix below) always are. */
        allowed_channels: z.array(z.string().min(1)).default([]),
        incident_channel_prefix: z.string().min(1).default('inc-'),
        /**
         * Admission control, per platform: when this many typed commands are still running after
         * their acknowledgement, a new one is refused at once with "Firebreak is busy: N commands
         * waiting; try again in a few seconds" and nothing runs, instead of joining a backlog that
         * grows without bound (each waiting command holds memory and delays every card behind it).
         */
        max_waiting: z.number().int().min(1).max(100_000).default(200),
        /**
         * Per platform, the only workspaces (Slack team ids) or servers (Discord guild ids) where
         * commands run. Unset: any. A bot can be added to servers that are not yours; there a
         * channel called #incidents would otherwise be enough to read /health and /status.
         */
        workspaces: z
          .object({ slack: z.array(z.string().min(1)).min(1).optional(), discord: z.array(z.string().regex(/^\d{5,25}$/, 'must be a Discord server (guild) id')).min(1).optional() })
          .strict()
          .default({}),
        /** Discord specifics: the category (channel id) new incident channels are created under. */
        discord: z
          .object({ incident_category: z.string().regex(/^\d{5,25}$/, 'must be a Discord category (channel) id').optional() })
          .strict()
          .default({}),
      })
      .strict()
      .default({ incidents_channel: 'incidents', allowed_channels: [], incident_channel_prefix: 'inc-', max_waiting: 200, workspaces: {}, discord: {} }),
    /** role name → members: "platform:userId", "platform:username" or "*" (see roleMemberSchema). */
    roles: z.record(nameSchema, z.array(roleMemberSchema)).default({}),
    services: z.record(nameSchema, serviceSchema).default({}),
    /** Datastores and other dependencies that /health checks but that are not deployable services. */
    datastores: z.record(nameSchema, checkSchema).default({}),
    actions: z.record(nameSchema, actionSchema).default({}),
    /** Runbooks as procedures: a sequence of steps run from one card (/procedure NAME). */
    procedures: z.record(nameSchema, procedureSchema).default({}),
    confirmations: z
      .object({ ttl_s: z.number().int().min(10).max(86_400).default(600) })
      .strict()
      .default({ ttl_s: 600 }),
    /**
     * Graceful shutdown (SIGTERM, SIGINT): running steps get grace_s to finish before they are
     * interrupted and recorded as such. The default stays under Kubernetes' 30 s before SIGKILL.
     */
    shutdown: z
      .object({ grace_s: z.number().min(0).max(3600).default(25) })
      .strict()
      .default({ grace_s: 25 }),
    backups: backupsSchema.default({ targets: {}, compression_level: 6 }),
    alerts: alertsSchema.default(defaultAlertsConfig),
    /** Planned maintenance windows: alerts of their services are held from escalation, paging and incidents. */
    maintenance: maintenanceSchema,
    /** Scheduled drills: a synthetic alert through the real path, reported in the incidents channel (src/alerts/drill.ts). */
    drills: drillsSchema,
    incidents: incidentsSchema.default(defaultIncidentsConfig),
    /** Where post-mortem drafts are filed as tickets (GitHub, Jira, a directory). */
    postmortems: postmortemsSchema.default({}),
    /** The web pages: link lifetime, a trusted proxy header, the public status page. */
    web: webSchema.default(defaultWebConfig),
    /** The console platform: `firebreak run` and `firebreak console`. */
    console: z
      .object({
        /**
         * Whether `--as NAME` may act as a console user other than the OS user: for demos and tests.
         * Off, the console user is the OS account. Either way a second-person approval needs a
         * different OS account than the requester's.
         */
        allow_as: z.boolean().default(false),
      })
      .strict()
      .default({ allow_as: false }),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    for (const name of Object.keys(cfg.datastores)) {
      if (name in cfg.services) {
        ctx.addIssue({ code: 'custom', path: ['datastores', name], message: `name is already used by services.${name}` });
      }
    }
    for (const [name, svc] of Object.entries(cfg.services)) {
      for (const [i, action] of svc.actions.entries()) {
        if (!(action in cfg.actions)) {
          ctx.addIssue({ code: 'custom', path: ['services', name, 'actions', i], message: `unknown action "${action}"` });
        }
      }
      if (svc.deploy && !svc.replicas && (svc.deploy.kind === 'kubernetes' || svc.deploy.scale)) {
        ctx.addIssue({ code: 'custom', path: ['services', name, 'replicas'], message: 'is required to allow scaling (min and max)' });
      }
    }
    for (const [name, action] of Object.entries(cfg.actions)) {
      // The defaults (responders, admins) may be left undefined on purpose: nobody but admins may run it then.
      if (action.role !== null && action.role !== 'responders' && action.role !== 'admins' && !Object.hasOwn(cfg.roles, action.role)) {
        ctx.addIssue({ code: 'custom', path: ['actions', name, 'role'], message: `role "${action.role}" is not defined under roles` });
      }
    }
    const checks = [...Object.entries(cfg.services).filter(([, s]) => s.health).map(([n]) => n), ...Object.keys(cfg.datastores)];
    // A status page component names something Firebreak knows; its checks are ones the health watch runs.
    for (const [name, component] of Object.entries(cfg.web.status_page.components)) {
      if (!Object.hasOwn(cfg.services, name) && !Object.hasOwn(cfg.datastores, name)) {
        ctx.addIssue({ code: 'custom', path: ['web', 'status_page', 'components', name], message: `"${name}" is not a service or datastore` });
      }
      for (const [i, check] of (component.checks ?? []).entries()) {
        if (!checks.includes(check)) ctx.addIssue({ code: 'custom', path: ['web', 'status_page', 'components', name, 'checks', i], message: `"${check}" is not a health check (a service with health:, or a datastore)` });
      }
    }
    for (const p of procedureReferenceProblems(cfg.procedures, { checks, services: cfg.services, roles: cfg.roles })) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
    // A window for a service that does not exist would hold nothing, silently.
    const known = new Set([...Object.keys(cfg.services), ...Object.keys(cfg.datastores)]);
    const names = new Set<string>();
    for (const [w, win] of cfg.maintenance.entries()) {
      for (const [i, svc] of win.services.entries()) {
        if (!known.has(svc)) ctx.addIssue({ code: 'custom', path: ['maintenance', w, 'services', i], message: `"${svc}" is not a service or datastore of this config` });
      }
      const name = windowName(win, w);
      if (names.has(name)) ctx.addIssue({ code: 'custom', path: ['maintenance', w, 'name'], message: `the name "${name}" is used by another window` });
      names.add(name);
    }
    // A drill of a route that is not there would fail at its first quarter, silently until then.
    const drillNames = new Set<string>();
    for (const [d, drill] of cfg.drills.entries()) {
      if (drillNames.has(drill.name)) ctx.addIssue({ code: 'custom', path: ['drills', d, 'name'], message: `the name "${drill.name}" is used by another drill` });
      drillNames.add(drill.name);
      const r = drillRouteLabels(cfg.alerts.routes, drill.route);
      if (!r.ok) ctx.addIssue({ code: 'custom', path: ['drills', d, 'route'], message: r.why });
      if (drill.keep_incident && !drill.incident) ctx.addIssue({ code: 'custom', path: ['drills', d, 'keep_incident'], message: 'keeps an incident only when incident: true' });
    }
    // A route's runbook button would otherwise be a dead button on the card at 3 a.m.
    for (const [r, route] of cfg.alerts.routes.entries()) {
      if (route.diagnose !== undefined && !Object.hasOwn(cfg.procedures, route.diagnose)) {
        ctx.addIssue({ code: 'custom', path: ['alerts', 'routes', r, 'diagnose'], message: `"${route.diagnose}" is not a procedure under procedures:` });
      }
      for (const [i, line] of route.actions.entries()) {
        const name = line.trim().split(/\s+/)[0] ?? '';
        if (!Object.hasOwn(cfg.actions, name)) {
          ctx.addIssue({ code: 'custom', path: ['alerts', 'routes', r, 'actions', i], message: `"${name}" is not an action under actions:` });
        }
      }
    }
  });

export type FirebreakConfig = z.infer<typeof configSchema>;
