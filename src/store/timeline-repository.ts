import type { ChannelRef } from '../core/identity.js';
import type { JsonValue } from '../core/outcome.js';
import type { TimelineEvent, TimelineEventInput, TimelineFilter, TimelineRepository } from '../core/timeline.js';
import { TIMELINE_HIDDEN_KINDS, type TimelinePage, type TimelinePageQuery } from '../core/timeline-query.js';
import type { Queryable } from './db.js';
import { GroupCommit } from './group-commit.js';

interface Row {
  id: number;
  at: Date;
  invocation_id: string;
  incident_id: string | null;
  service: string | null;
  kind: string;
  platform: string;
  actor_id: string;
  actor_name: string;
  channel_id: string | null;
  channel_name: string | null;
  command: string | null;
  text: string | null;
  argv: string[] | null;
  exit_code: number | null;
  outcome: string | null;
  output: string | null;
  duration_ms: number | null;
  detail: { [key: string]: JsonValue };
}

function toEvent(r: Row): TimelineEvent {
  const channel: ChannelRef | null = r.channel_id !== null ? { platform: r.platform, id: r.channel_id, name: r.channel_name ?? r.channel_id } : null;
  return {
    id: Number(r.id),
    at: new Date(r.at),
    invocationId: r.invocation_id,
    incidentId: r.incident_id,
    service: r.service ?? null,
    kind: r.kind,
    actor: { platform: r.platform, id: r.actor_id, name: r.actor_name },
    channel,
    command: r.command,
    text: r.text,
    argv: r.argv,
    exitCode: r.exit_code,
    outcome: r.outcome,
    output: r.output,
    durationMs: r.duration_ms,
    detail: r.detail ?? {},
  };
}

// Postgres rejects NUL in text; chat text never needs it and tool output may contain it.
const clean = (s: string | null | undefined) => (s == null ? null : s.replace(/\u0000/g, ''));

/** Rows in one insert at most: 18 parameters each, well under PostgreSQL's 65,535 per statement. */
const MAX_ROWS_PER_INSERT = 200;

/** The columns and their types, in the order each row's parameters are given. */
const COLUMNS = `(invocation_id, incident_id, kind, platform, actor_id, actor_name, channel_id, channel_name,
         command, text, argv, exit_code, outcome, output, duration_ms, detail, at, service)`;
const TYPES = ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'jsonb', 'integer', 'text', 'text', 'integer', 'jsonb', 'timestamptz', 'text'];

function rowParams(e: TimelineEventInput): unknown[] {
  return [
    e.invocationId,
    e.incidentId ?? null,
    e.kind,
    e.actor.platform,
    e.actor.id,
    e.actor.name,
    e.channel?.id ?? null,
    e.channel?.name ?? null,
    e.command ?? null,
    clean(e.text),
    e.argv ? JSON.stringify(e.argv) : null,
    e.exitCode ?? null,
    e.outcome ?? null,
    clean(e.output),
    e.durationMs == null ? null : Math.round(e.durationMs),
    JSON.stringify(e.detail ?? {}),
    e.at ?? null,
    e.service ?? null,
  ];
}

function valuesRow(offset: number): string {
  const cells = TYPES.map((type, i) => `$${offset + i + 1}::${type}`);
  cells[16] = `COALESCE(${cells[16]}, now())`; // at: when it was stored, unless the event says when it happened
  return `(${cells.join(', ')})`;
}

/** The insert of `rows` events, as insert() sends it (one row: what every ingested webhook records). */
export function timelineInsertSql(rows: number): string {
  return `INSERT INTO timeline_events ${COLUMNS} VALUES ${Array.from({ length: rows }, (_, i) => valuesRow(i * TYPES.length)).join(', ')} RETURNING *`;
}

export class SqlTimelineRepository implements TimelineRepository {
  private readonly batches: GroupCommit<TimelineEventInput, TimelineEvent> | null;

  constructor(
    private readonly db: Queryable,
    /**
     * Group commit (group-commit.ts): appends that arrive while one is being written go together in
     * one multi-row insert. Only for the store's own connection, never inside a transaction (its
     * statements are the transaction's, in its order).
     */
    opts: { groupCommit?: boolean } = {},
  ) {
    this.batches = opts.groupCommit ? new GroupCommit((events) => this.insert(events), MAX_ROWS_PER_INSERT) : null;
  }

  /** Resolves once the event's row is stored. */
  async append(e: TimelineEventInput): Promise<TimelineEvent> {
    if (this.batches) return this.batches.add(e);
    return (await this.insert([e]))[0]!;
  }

  /** One statement for all of them; their ids (and so their order) follow the order given. */
  private async insert(events: TimelineEventInput[]): Promise<TimelineEvent[]> {
    const params = events.flatMap(rowParams);
    const rows = await this.db.query<Row>(timelineInsertSql(events.length), params);
    // A multi-row VALUES takes its ids in the order of its rows; RETURNING's order is not promised.
    return rows.map(toEvent).sort((a, b) => a.id - b.id);
  }

  async list(filter: TimelineFilter = {}): Promise<TimelineEvent[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.invocationId) {
      params.push(filter.invocationId);
      where.push(`invocation_id = $${params.length}`);
    }
    if (filter.incidentId) {
      params.push(filter.incidentId);
      where.push(`incident_id = $${params.length}`);
    }
    params.push(filter.limit ?? 1000);
    const rows = await this.db.query<Row>(
      `SELECT * FROM timeline_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${filter.newest ? 'at DESC, id DESC' : 'at ASC, id ASC'} LIMIT $${params.length}`,
      params,
    );
    const events = rows.map(toEvent);
    return filter.newest ? events.reverse() : events;
  }

  /** The rules of core/timeline-query.ts (matchesTimelineQuery) in SQL, so a page reads only its rows. */
  async page(q: TimelinePageQuery): Promise<TimelinePage> {
    const params: unknown[] = [[...TIMELINE_HIDDEN_KINDS]];
    const where = ['NOT (kind = ANY($1::text[]))'];
    if (q.service !== undefined) {
      params.push(q.service);
      where.push(`invocation_id IN (SELECT invocation_id FROM timeline_events WHERE service = $${params.length})`);
    }
    if (q.user !== undefined) {
      params.push(q.user.toLowerCase());
      where.push(`(lower(actor_id) = $${params.length} OR lower(actor_name) = $${params.length})`);
    }
    if (q.since !== undefined) {
      params.push(q.since);
      where.push(`at >= $${params.length}`);
    }
    params.push(q.pageSize + 1, (q.page - 1) * q.pageSize);
    const rows = await this.db.query<Row>(
      `SELECT * FROM timeline_events WHERE ${where.join(' AND ')} ORDER BY at DESC, id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return { events: rows.slice(0, q.pageSize).map(toEvent), more: rows.length > q.pageSize };
  }
}

/** The rows that end an invocation (InvocationRecorder.finish): one per command or button handled. */
const OUTCOME_KINDS = ['command', 'command.invalid', 'command.denied', 'command.refused', 'button', 'confirmation.requested', 'confirmation.cancelled'];

/**
 * Commands and buttons recorded by any process on this store, by command and outcome: /metrics
 * reads it at each scrape, so a CLI that ran in-process (on PostgreSQL) is counted by the server.
 */
export async function countRecordedCommands(db: Queryable): Promise<{ command: string; outcome: string; count: number }[]> {
  const rows = await db.query<{ command: string | null; outcome: string | null; n: number | string }>(
    `SELECT command, outcome, count(*) AS n FROM timeline_events WHERE kind = ANY($1::text[]) GROUP BY command, outcome`,
    [OUTCOME_KINDS],
  );
  return rows.map((r) => ({ command: r.command ?? '(invalid)', outcome: r.outcome ?? 'unknown', count: Number(r.n) }));
}
