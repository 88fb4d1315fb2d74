import { markGroupDirty } from './alert-outbox.js';
import type { Actor } from '../core/identity.js';
import type { Timeline, TimelineEvent, TimelineRepository } from '../core/timeline.js';
import { alertGroupLink } from '../incidents/alert-links.js';
import { actionItemEvent, channelChange, declaredEvent, roleChange, serviceChange, severityChange, statusChange, updateEvent, type IncidentChangeDecision, type IncidentEvent } from '../incidents/incident-changes.js';
import type { ChangeContext, DeclareInput, DeclareResult, IncidentChange, IncidentStore, RoleName } from '../incidents/incident-store.js';
import type { ActionItem, Incident, IncidentChannel, IncidentRoles, IncidentStatus, Severity } from '../incidents/model.js';
import { noReminders, type DueReminder, type ReminderKind, type ReminderPolicy } from '../incidents/reminder-policy.js';
import { afterReminder, reminderPlan, reminderRecord } from '../incidents/reminder-schedule.js';
import { nextNumber } from './counters.js';
import type { Db, Queryable } from './db.js';
import { SqlTimelineRepository } from './timeline-repository.js';

interface IncidentRow {
  id: string;
  number: number;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  roles: IncidentRoles;
  declared_by: Actor;
  declared_at: Date;
  source: string;
  channel: IncidentChannel | null;
  alert_groups: string[];
  service: string | null;
  resolved_at: Date | null;
  version: number;
}

interface ActionItemRow {
  id: number | string;
  incident_id: string;
  text: string;
  by_actor: Actor;
  at: Date;
  done: boolean;
}

function toIncident(r: IncidentRow): Incident {
  return {
    id: r.id,
    title: r.title,
    severity: r.severity,
    status: r.status,
    roles: { lead: r.roles?.lead ?? null, comms: r.roles?.comms ?? null, scribe: r.roles?.scribe ?? null },
    declaredBy: r.declared_by,
    declaredAt: new Date(r.declared_at),
    source: r.source,
    channel: r.channel,
    alertGroups: r.alert_groups ?? [],
    service: r.service,
    resolvedAt: r.resolved_at ? new Date(r.resolved_at) : null,
    version: r.version,
  };
}

function toActionItem(r: ActionItemRow): ActionItem {
  return { id: String(r.id), incidentId: r.incident_id, text: r.text, by: r.by_actor, at: new Date(r.at), done: r.done };
}

/** An actor as stored: what identifies and names them, nothing a platform added. */
const actorJson = (a: Actor | null): Actor | null => (a ? { platform: a.platform, id: a.id, name: a.name, ...(a.handle !== undefined ? { handle: a.handle } : {}) } : null);

// Postgres rejects NUL in text and jsonb; chat text never needs it.
const clean = (s: string) => s.replace(/\u0000/g, '');

/** How a change is written to the row: SET clauses over $2… (the id is $1). */
interface RowUpdate {
  set: string;
  params: unknown[];
}

interface ReminderRow {
  id: number | string;
  incident_id: string;
  kind: ReminderKind;
  due_at: Date;
}

const OPEN_FIRST = `ORDER BY declared_at DESC, number DESC`;

/**
 * Incidents in PostgreSQL or PGlite. A change locks the row (FOR UPDATE), so two replicas changing
 * one incident serialize and each sees the other's result as its "before"; the change, its version
 * bump and its timeline event commit together. What a change means (no-op or not, its event, its
 * reminders) is the incident domain's (incident-changes.ts, reminder-schedule.ts, alert-links.ts);
 * this applies and records it.
 */
export class SqlIncidentStore implements IncidentStore {
  private readonly policy: ReminderPolicy;
  private readonly now: () => Date;

  constructor(
    private readonly db: Db,
    private readonly recorder: (repo: TimelineRepository) => Timeline,
    /** When reminders fall due (incidents.reminders) and the clock they are counted on. */
    opts: { reminders?: ReminderPolicy; now?: () => Date } = {},
  ) {
    this.policy = opts.reminders ?? noReminders;
    this.now = opts.now ?? (() => new Date());
  }

  async declare(input: DeclareInput, ctx: ChangeContext): Promise<DeclareResult> {
    // Read first: a repeat (the common case of a retry) then does not wait on the counter.
    const existing = await this.bySource(this.db, input.source);
    if (existing) return { incident: existing, created: false };
    return this.db.transaction(async (q) => {
      const roles = { lead: actorJson(input.lead), comms: null, scribe: null };
      const groups = input.alertGroups ?? [];
      // The number is the counter's, taken in this transaction: a rolled-back declare or a crash leaves no gap (120_counters.sql).
      const counter = await nextNumber(q, 'incidents');
      const [inserted] = await q.query<IncidentRow>(
        `INSERT INTO incidents (id, number, title, severity, status, roles, declared_by, source, service, alert_groups)
         VALUES ('INC-' || $8::integer, $8, $1, $2, 'investigating', $3, $4, $5, $6, $7)
         ON CONFLICT (source) DO NOTHING
         RETURNING *`,
        [clean(input.title), input.severity, JSON.stringify(roles), JSON.stringify(actorJson(input.declaredBy)), input.source, input.service ?? null, JSON.stringify(groups), counter.next],
      );
      // Another replica inserted it first; ON CONFLICT waited for its commit, so it is visible now.
      if (!inserted) return { incident: (await this.bySource(q, input.source))!, created: false };
      await counter.take();
      const incident = toIncident(inserted);
      for (const g of groups) await this.linkGroupRow(q, incident.id, g, input.cardPlatforms ?? []);
      await this.syncReminders(q, incident, true);
      await this.record(q, incident, ctx, declaredEvent(incident, input.lead, groups));
      return { incident, created: true };
    });
  }

  async get(id: string): Promise<Incident | null> {
    const [row] = await this.db.query<IncidentRow>(`SELECT * FROM incidents WHERE id = $1`, [id]);
    return row ? toIncident(row) : null;
  }

  async byChannel(platform: string, channelId: string): Promise<Incident | null> {
    const [row] = await this.db.query<IncidentRow>(
      `SELECT * FROM incidents WHERE (channel ->> 'platform') = $1 AND (channel ->> 'id') = $2 AND (channel ->> 'own') = 'true' ${OPEN_FIRST} LIMIT 1`,
      [platform, channelId],
    );
    return row ? toIncident(row) : null;
  }

  async byChannels(platform: string, channelIds: string[]): Promise<Map<string, { id: string }>> {
    // byChannel's rule for each channel: its own incident, the newest when there were several.
    const rows = await this.db.query<{ channel_id: string; id: string }>(
      `SELECT DISTINCT ON (channel ->> 'id') channel ->> 'id' AS channel_id, id FROM incidents
        WHERE (channel ->> 'platform') = $1 AND (channel ->> 'id') = ANY($2::text[]) AND (channel ->> 'own') = 'true'
        ORDER BY channel ->> 'id', declared_at DESC, number DESC`,
      [platform, channelIds],
    );
    return new Map(rows.map((r) => [r.channel_id, { id: r.id }]));
  }

  async byAlertGroup(groupId: string): Promise<Incident | null> {
    // The group's own link (set with the incident's list in linkGroupRow): one primary-key lookup.
    if (!/^\d+$/.test(groupId)) return null;
    const [row] = await this.db.query<IncidentRow>(`SELECT i.* FROM alert_groups g JOIN incidents i ON i.id = g.incident_id WHERE g.id = $1::bigint`, [groupId]);
    return row ? toIncident(row) : null;
  }

  async openByService(service: string): Promise<Incident | null> {
    // sev1 sorts first; among equals the newest, so the choice is predictable (docs/incidents.md).
    const [row] = await this.db.query<IncidentRow>(
      `SELECT * FROM incidents i WHERE i.status <> 'resolved' AND (
         lower(i.service) = lower($1)
         OR EXISTS (SELECT 1 FROM alert_groups g WHERE g.incident_id = i.id AND lower(g.service) = lower($1)))
       ORDER BY i.severity ASC, i.declared_at DESC, i.number DESC LIMIT 1`,
      [service],
    );
    return row ? toIncident(row) : null;
  }

  async listOpen(limit = 50): Promise<Incident[]> {
    const rows = await this.db.query<IncidentRow>(`SELECT * FROM incidents WHERE status <> 'resolved' ${OPEN_FIRST} LIMIT $1`, [limit]);
    return rows.map(toIncident);
  }

  setStatus(id: string, status: IncidentStatus, ctx: ChangeContext, note?: string | null): Promise<IncidentChange | null> {
    // An empty note is none; a note's NULs are dropped (Postgres refuses them).
    return this.change(id, ctx, (before) => statusChange(before, status, note ? clean(note) : null), {
      set: `status = $2, resolved_at = CASE WHEN $2 = 'resolved' THEN now() ELSE NULL END`,
      params: [status],
    });
  }

  setSeverity(id: string, severity: Severity, ctx: ChangeContext): Promise<IncidentChange | null> {
    return this.change(id, ctx, (before) => severityChange(before, severity), { set: `severity = $2`, params: [severity] });
  }

  setRole(id: string, role: RoleName, holder: Actor | null, ctx: ChangeContext): Promise<IncidentChange | null> {
    return this.change(id, ctx, (before) => roleChange(before, role, holder), {
      set: `roles = roles || jsonb_build_object($2::text, $3::jsonb)`,
      params: [role, JSON.stringify(actorJson(holder))],
    });
  }

  setChannel(id: string, channel: IncidentChannel, ctx: ChangeContext): Promise<IncidentChange | null> {
    return this.change(id, ctx, (before) => channelChange(before, channel), {
      set: `channel = $2`,
      params: [JSON.stringify({ platform: channel.platform, id: channel.id, name: channel.name, own: channel.own })],
    });
  }

  setService(id: string, service: string, ctx: ChangeContext): Promise<IncidentChange | null> {
    return this.change(id, ctx, (before) => serviceChange(before, service), { set: `service = $2`, params: [service] });
  }

  linkAlertGroup(id: string, groupId: string, ctx: ChangeContext, platforms: readonly string[] = []): Promise<IncidentChange | null> {
    return this.change(
      id,
      ctx,
      (before) => alertGroupLink(before, groupId),
      { set: `alert_groups = alert_groups || jsonb_build_array($2::text)`, params: [groupId] },
      (q, incident) => this.linkGroupRow(q, incident.id, groupId, platforms),
    );
  }

  async addActionItem(id: string, text: string, ctx: ChangeContext): Promise<ActionItem | null> {
    return this.db.transaction(async (q) => {
      const incident = await this.lock(q, id);
      if (!incident) return null;
      const [row] = await q.query<ActionItemRow>(`INSERT INTO incident_action_items (incident_id, text, by_actor) VALUES ($1, $2, $3) RETURNING *`, [
        id,
        clean(text),
        JSON.stringify(actorJson(ctx.actor)),
      ]);
      const item = toActionItem(row!);
      await this.record(q, incident, ctx, actionItemEvent(incident, item));
      return item;
    });
  }

  async listActionItems(id: string): Promise<ActionItem[]> {
    const rows = await this.db.query<ActionItemRow>(`SELECT * FROM incident_action_items WHERE incident_id = $1 ORDER BY id ASC`, [id]);
    return rows.map(toActionItem);
  }

  recordUpdate(id: string, text: string, ctx: ChangeContext, opts: { public?: boolean } = {}): Promise<boolean> {
    return this.db.transaction(async (q) => {
      const incident = await this.lock(q, id);
      if (!incident) return false;
      await this.syncReminders(q, incident, true);
      const event = await this.record(q, incident, ctx, updateEvent(clean(text)));
      // Published with its event, in one transaction: the status page never shows an update the timeline lacks.
      if (opts.public) {
        await q.query(`INSERT INTO incident_public_updates (incident_id, event_id, text, published_by) VALUES ($1, $2, $3, $4)`, [
          incident.id,
          event.id,
          event.text ?? '',
          JSON.stringify({ platform: ctx.actor.platform, id: ctx.actor.id, name: ctx.actor.name }),
        ]);
      }
      return true;
    });
  }

  /** Incidents declared since `since`, and every open one, newest first (the /incidents page). */
  async listSince(since: Date, limit = 1000): Promise<Incident[]> {
    const rows = await this.db.query<IncidentRow>(`SELECT * FROM incidents WHERE declared_at >= $1 OR status <> 'resolved' ${OPEN_FIRST} LIMIT $2`, [since, limit]);
    return rows.map(toIncident);
  }

  async claimDueReminders(now: Date, claimId: string, holdMs: number, limit = 20): Promise<DueReminder[]> {
    const rows = await this.db.query<ReminderRow>(
      `UPDATE incident_reminders SET claim_id = $2, claimed_until = $3
       WHERE id IN (
         SELECT id FROM incident_reminders
         WHERE sent_at IS NULL AND due_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1)
         ORDER BY due_at LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING id, incident_id, kind, due_at`,
      [now, claimId, new Date(now.getTime() + holdMs), limit],
    );
    return rows.map((r) => ({ id: String(r.id), incidentId: r.incident_id, kind: r.kind, dueAt: new Date(r.due_at) }));
  }

  finishReminder(r: DueReminder, claimId: string, now: Date, sent: { text: string; lead: string | null } | null): Promise<boolean> {
    return this.db.transaction(async (q) => {
      const incident = await this.lock(q, r.incidentId);
      const next = afterReminder(r, incident, this.policy, now);
      const done = await q.query(
        next.do === 'again'
          ? `UPDATE incident_reminders SET due_at = $3, claim_id = NULL, claimed_until = NULL WHERE id = $1 AND claim_id = $2 RETURNING id`
          : `UPDATE incident_reminders SET sent_at = $3, claim_id = NULL, claimed_until = NULL WHERE id = $1 AND claim_id = $2 RETURNING id`,
        [r.id, claimId, next.do === 'again' ? next.dueAt : next.sentAt],
      );
      if (done.length === 0) return false;
      if (incident && sent) {
        const { ctx, event } = reminderRecord(r, incident, sent);
        await this.record(q, incident, ctx, event);
      }
      return true;
    });
  }

  /** The incident's due reminders after a change (reminderPlan decides), in its transaction. */
  private async syncReminders(q: Queryable, i: Incident, restartsStatusClock: boolean): Promise<void> {
    const plan = reminderPlan(i, this.policy, this.now(), restartsStatusClock);
    if (plan.resolved) {
      await q.query(`DELETE FROM incident_reminders WHERE incident_id = $1`, [i.id]);
      return;
    }
    const status = plan.statusUpdate;
    if (status.do === 'drop') {
      await q.query(`DELETE FROM incident_reminders WHERE incident_id = $1 AND kind = 'status-update'`, [i.id]);
    } else {
      await q.query(
        status.do === 'restart'
          ? `INSERT INTO incident_reminders (incident_id, kind, due_at) VALUES ($1, 'status-update', $2)
             ON CONFLICT (incident_id, kind) DO UPDATE SET due_at = EXCLUDED.due_at, sent_at = NULL, claim_id = NULL, claimed_until = NULL`
          : `INSERT INTO incident_reminders (incident_id, kind, due_at) VALUES ($1, 'status-update', $2) ON CONFLICT (incident_id, kind) DO NOTHING`,
        [i.id, status.dueAt],
      );
    }
    const nudge = plan.leadNudge;
    if (nudge.do === 'ensure') {
      await q.query(`INSERT INTO incident_reminders (incident_id, kind, due_at) VALUES ($1, 'lead-nudge', $2) ON CONFLICT (incident_id, kind) DO NOTHING`, [i.id, nudge.dueAt]);
    } else if (nudge.do === 'cancel-unsent') {
      await q.query(`DELETE FROM incident_reminders WHERE incident_id = $1 AND kind = 'lead-nudge' AND sent_at IS NULL`, [i.id]);
    }
  }

  private async bySource(q: Queryable, source: string): Promise<Incident | null> {
    const [row] = await q.query<IncidentRow>(`SELECT * FROM incidents WHERE source = $1`, [source]);
    return row ? toIncident(row) : null;
  }

  private async lock(q: Queryable, id: string): Promise<Incident | null> {
    const [row] = await q.query<IncidentRow>(`SELECT * FROM incidents WHERE id = $1 FOR UPDATE`, [id]);
    return row ? toIncident(row) : null;
  }

  /**
   * Locks, lets the domain decide on the incident as it is (null: no change), applies `update` with
   * a version bump, syncs reminders, records the decided event: one transaction.
   */
  private change(
    id: string,
    ctx: ChangeContext,
    decide: (before: Incident) => IncidentChangeDecision | null,
    update: RowUpdate,
    also?: (q: Queryable, incident: Incident) => Promise<void>,
  ): Promise<IncidentChange | null> {
    return this.db.transaction(async (q) => {
      const before = await this.lock(q, id);
      if (!before) return null;
      const decision = decide(before);
      if (!decision) return { before, incident: before, changed: false };
      const [row] = await q.query<IncidentRow>(`UPDATE incidents SET ${update.set}, version = version + 1 WHERE id = $1 RETURNING *`, [id, ...update.params]);
      const incident = toIncident(row!);
      if (also) await also(q, incident);
      await this.syncReminders(q, incident, decision.restartsStatusClock);
      await this.record(q, incident, ctx, decision.event);
      return { before, incident, changed: true };
    });
  }

  /** The alert group points back at the incident, and its card is shown again (the outbox) to say so. */
  private async linkGroupRow(q: Queryable, incidentId: string, groupId: string, platforms: readonly string[]): Promise<void> {
    if (!/^\d+$/.test(groupId)) return;
    const [group] = await q.query<{ channel: string }>(
      `UPDATE alert_groups SET incident_id = $1, version = version + 1 WHERE id = $2::bigint AND incident_id IS DISTINCT FROM $1 RETURNING channel`,
      [incidentId, groupId],
    );
    if (!group) return;
    await markGroupDirty(q, groupId, group.channel, platforms);
  }

  private record(q: Queryable, incident: Incident, ctx: ChangeContext, e: IncidentEvent): Promise<TimelineEvent> {
    return this.recorder(new SqlTimelineRepository(q)).record({
      invocationId: ctx.invocationId,
      incidentId: incident.id,
      kind: e.kind,
      actor: ctx.actor,
      channel: ctx.channel ?? null,
      command: 'incident',
      text: e.text,
      outcome: 'ok',
      detail: { ...e.detail, version: incident.version },
    });
  }
}
