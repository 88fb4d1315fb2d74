import { z } from 'zod';

/** Label matchers of a route: equality, or a full-match regular expression (`match_re`). The first route that matches wins. */
const labelsSchema = z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a label name'), z.string());

const routeSchema = z
  .object({
    /** Every label must equal (match) / fully match (match_re); both empty: every alert. */
    match: labelsSchema.default({}),
    match_re: labelsSchema
      .default({})
      .superRefine((m, ctx) => {
        for (const [k, v] of Object.entries(m)) {
          try {
            new RegExp(`^(?:${v})$`);
          } catch {
            ctx.addIssue({ code: 'custom', path: [k], message: `"${v}" is not a valid regular expression` });
          }
        }
      }),
    /** Where its cards go; default alerts.channel. */
    channel: z.string().min(1).optional(),
    /** Overrides the alert's severity label on the card and for escalation. */
    severity: z.string().min(1).optional(),
    /**
     * Runbook buttons on the card: custom actions with params filled from the alert,
     * e.g. "disable-provider provider={{labels.provider}}" (checked against actions: at load).
     */
    actions: z.array(z.string().min(1)).default([]),
    /** Declares an incident of this severity when the group first fires (incidents, a later issue). */
    incident: z.string().regex(/^(sev[1-4]|P[1-4])$/i, 'must be sev1–sev4 (or P1–P4)').optional(),
    /**
     * Diagnosed on arrival: this read-only procedure runs once when a group first fires, its params
     * filled from the alert's labels of the same names, its report threaded under the card.
     */
    diagnose: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be a procedure name').optional(),
  })
  .strict();
export type AlertRouteConfig = z.infer<typeof routeSchema>;

const escalationStepSchema = z
  .object({
    /** Minutes after the group first fired, while nobody has acknowledged it. */
    after_min: z.number().min(0).max(10_080),
    /** Mentioned in the card's channel: "slack:U…" / "slack:S…" (user group) / "discord:USER_ID" / "discord:&ROLE_ID". */
    mention: z.array(z.string().regex(/^(slack:[UWS][A-Z0-9]{2,}|discord:&?\d{5,25}|console:\S+)$/, 'must be slack:U…/S…, discord:USER_ID, discord:&ROLE_ID or console:USER')).default([]),
    /** Trigger PagerDuty (alerts.pagerduty) for the group. */
    pagerduty: z.boolean().default(false),
    /** Only for these severities; empty: all. */
    severities: z.array(z.string().min(1)).default([]),
  })
  .strict()
  .refine((s) => s.mention.length > 0 || s.pagerduty, { message: 'an escalation step must mention someone or page PagerDuty' });
export type EscalationStepConfig = z.infer<typeof escalationStepSchema>;

export const alertsSchema = z
  .object({
    /** With it, the webhooks need `Authorization: Bearer <token>`; without it they accept loopback only. */
    token: z.string().min(16, 'must be at least 16 characters (use a random string)').optional(),
    /** Alertmanager's base URL, for the Silence button (API v2). */
    alertmanager_url: z.string().url().optional(),
    /** Default channel for cards; unset: chat.incidents_channel. */
    channel: z.string().min(1).optional(),
    routes: z.array(routeSchema).default([]),
    escalation: z.array(escalationStepSchema).default([]),
    pagerduty: z
      .object({
        routing_key: z.string().min(1),
        /** Events API base URL (a proxy or a local fake). */
        api_url: z.string().url().default('https://events.pagerduty.com'),
      })
      .strict()
      .optional(),
    watch: z
      .object({
        /** Firebreak's own alert from the configured /health checks. */
        enabled: z.boolean().default(true),
        interval_s: z.number().int().min(5).max(3600).default(60),
        failure_threshold: z.number().int().min(1).max(100).default(3),
      })
      .strict()
      .default({ enabled: true, interval_s: 60, failure_threshold: 3 }),
    /**
     * The dead man's switch: Alertmanager's always-firing alert (kube-prometheus calls it Watchdog)
     * is swallowed while it keeps arriving; when none has arrived for expect_every_s × 2, Firebreak
     * raises its own critical "Alerting pipeline silent" alert, resolved when it comes back.
     */
    watchdog: z
      .object({
        alertname: z.string().min(1).default('Watchdog'),
        /** How often it arrives: Alertmanager's repeat_interval for its route (kube-prometheus: 5 min). */
        expect_every_s: z.number().int().min(1).max(86_400).default(300),
      })
      .strict()
      .optional(),
    /**
     * Heartbeat out: `url` is pinged (GET) every `every_s` by one replica while this Firebreak is
     * healthy (what /readyz checks: the store, Redis, the chat platforms, the alert outbox), so an
     * external dead man's switch (healthchecks.io, a PagerDuty heartbeat) pages when it stops.
     */
    heartbeat: z
      .object({
        url: z.string().url(),
        every_s: z.number().int().min(1).max(86_400).default(60),
        timeout_ms: z.number().int().min(100).max(60_000).default(5_000),
      })
      .strict()
      .optional(),
    /** The storm limit of diagnoses on arrival (routes' `diagnose:`), across replicas; the rest are marked "not diagnosed: storm". */
    diagnose: z
      .object({
        max_concurrent: z.number().int().min(1).max(50).default(2),
        per_minute: z.number().int().min(1).max(600).default(10),
      })
      .strict()
      .default({ max_concurrent: 2, per_minute: 10 }),
    /** Per channel, at most this many group cards are posted or updated per minute; beyond it a storm digest is shown. */
    cards_per_minute: z.number().int().min(1).max(600).default(50),
  })
  .strict()
  .superRefine((a, ctx) => {
    if (a.escalation.some((s) => s.pagerduty) && !a.pagerduty) {
      ctx.addIssue({ code: 'custom', path: ['pagerduty'], message: 'an escalation step pages PagerDuty, so alerts.pagerduty.routing_key is needed' });
    }
  });
export type AlertsConfig = z.infer<typeof alertsSchema>;

export const defaultAlertsConfig: AlertsConfig = alertsSchema.parse({});
