import { Cron } from 'croner';
import { z } from 'zod';

/** "2h", "90m", "1h30m", "1d": a length of time in minutes (at least one, at most 7 days). */
export function parseDurationMin(text: string): number | null {
  const m = /^(?:(\d{1,3})d)?(?:(\d{1,3})h)?(?:(\d{1,5})m)?$/i.exec(text.trim());
  if (!m || text.trim() === '') return null;
  const min = Number(m[1] ?? 0) * 1440 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return min >= 1 && min <= 7 * 1440 ? min : null;
}

const windowSchema = z
  .object({
    /** Names the window in announcements, /maintenance list and the timeline; default maintenance-N. */
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lowercase letters, digits, - and _').optional(),
    /** When it starts, in UTC, five fields: "0 2 * * 0" is Sundays at 02:00. */
    cron: z
      .string()
      .min(1)
      .superRefine((s, ctx) => {
        if (s.trim().split(/\s+/).length !== 5) return void ctx.addIssue({ code: 'custom', message: 'must be a cron expression with 5 fields, e.g. "0 2 * * 0" (Sundays 02:00 UTC)' });
        try {
          new Cron(s, { paused: true, timezone: 'UTC' });
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: `"${s}" is not a valid cron expression (${err instanceof Error ? err.message : String(err)})` });
        }
      }),
    /** How long it lasts: "2h", "90m", "1h30m". */
    duration: z.string().refine((d) => parseDurationMin(d) !== null, 'must be a duration such as 2h, 90m or 1h30m (1 min to 7 d)'),
    /** The services whose alerts it holds (their `service` label). */
    services: z.array(z.string().min(1)).min(1, 'name at least one service'),
    reason: z.string().min(1).max(300),
    /**
     * What the public status page says about it, besides "Scheduled maintenance", the components
     * and the times. Unset: nothing more — the reason is for responders and never shown there.
     */
    public_note: z.string().min(1).max(300).optional(),
    /** Announced this many hours before it starts (runbook 004: 48); 0: only when it starts and ends. */
    notice_h: z.number().min(0).max(720).default(0),
  })
  .strict();
export type MaintenanceWindowConfig = z.infer<typeof windowSchema>;

export const maintenanceSchema = z.array(windowSchema).default([]);

/** A configured window's name: its own, or maintenance-N (1-based, in config order). */
export const windowName = (w: MaintenanceWindowConfig, i: number) => w.name ?? `maintenance-${i + 1}`;
