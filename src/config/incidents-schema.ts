import { z } from 'zod';
import { parseSeverity, type Severity } from './severity.js';

/** sev1–sev4, with the runbooks' P1–P4 (and bare 1–4) accepted and stored as sevN. */
export const severitySchema = z
  .union([z.string(), z.number()])
  .transform((v, ctx): Severity => {
    const s = parseSeverity(String(v));
    if (!s) {
      ctx.addIssue({ code: 'custom', message: `"${String(v)}" is not a severity: use sev1–sev4 (or P1–P4)` });
      return z.NEVER;
    }
    return s;
  });

const SEVERITY_KEYS = ['sev1', 'sev2', 'sev3', 'sev4'] as const;
const severityKey = z.enum(SEVERITY_KEYS, { message: 'must be sev1, sev2, sev3 or sev4' });

/** Someone to invite: a platform member id (Slack member ids, Discord user ids, console users). */
const memberSchema = z
  .string()
  .regex(/^(slack:[UW][A-Z0-9]{2,}|discord:\d{5,25}|console:\S+)$/, 'must be slack:MEMBER_ID, discord:USER_ID or console:USER (ids, since display names are not unique)');

const minutes = z.number().int().min(0).max(10_080);

export const incidentsSchema = z
  .object({
    /** `/incident declare "title"` without a severity. */
    default_severity: severitySchema.default('sev3'),
    /** Create incident channels private (Slack: groups:write; Discord: hidden from @everyone). */
    private_channels: z.boolean().default(false),
    /** Invited to a new incident channel besides the declarer and the lead. */
    responders: z
      .object({
        severities: z.partialRecord(severityKey, z.array(memberSchema)).default({}),
        /** By the incident's service (from the alert that opened it). */
        services: z.record(z.string().min(1), z.array(memberSchema)).default({}),
      })
      .strict()
      .default({ severities: {}, services: {} }),
    reminders: z
      .object({
        /** Minutes between status updates before the lead is reminded; 0 or absent: no reminder for that severity. */
        status_update_min: z.partialRecord(severityKey, minutes).default({ sev1: 30, sev2: 60 }),
        /** Minutes an incident may go without a lead before the channel is nudged; 0: never. */
        lead_nudge_min: minutes.default(10),
      })
      .strict()
      .default({ status_update_min: { sev1: 30, sev2: 60 }, lead_nudge_min: 10 }),
    /** Declaring an incident of these severities pages on-call (PagerDuty, alerts.pagerduty); resolving resolves the page. */
    paging: z
      .object({ severities: z.array(severitySchema).default(['sev1']) })
      .strict()
      .default({ severities: ['sev1'] }),
    /** Channels (by name) that also get `/incident update` posts, besides the incident and incidents channels. */
    stakeholder_channels: z.array(z.string().min(1)).default([]),
  })
  .strict();
export type IncidentsConfig = z.infer<typeof incidentsSchema>;

export const defaultIncidentsConfig: IncidentsConfig = incidentsSchema.parse({});
