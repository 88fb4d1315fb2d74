import type { Actor, ChannelRef } from './identity.js';
import type { JsonValue } from './outcome.js';
import type { Redactor } from './redact.js';
import { isStoreOutage } from './store-outage.js';

/**
 * Every kind of timeline event. Closed, so a post-mortem can rely on what it reads and a typo
 * fails to compile. A new kind is added here, with the domain that records it.
 */
export const TIMELINE_KINDS = [
  // a typed command or a button, and how it ended
  'command',
  'command.invalid',
  'command.denied',
  /** A delivery refused because neither Redis nor the store could say whether it already ran. */
  'command.refused',
  'button',
  // confirmations of mutating steps
  'confirmation.requested',
  'confirmation.confirmed',
  'confirmation.cancelled',
  // what ran under a lease
  'action.started',
  'action.progress',
  'action.finished',
  // backups done by the system
  'backup.scheduled',
  'backup.expired',
  'backup.restore.started',
  /** A test restore into a scratch database (/backup verify, or its schedule): counts at backup vs restored. */
  'backup.verified',
  // messages the system posted on its own
  'message.posted',
  // alerts and incidents (their domains record these)
  'alert.received',
  'alert.acknowledged',
  'alert.silenced',
  'alert.escalated',
  /** A call to the pager (trigger, acknowledge, resolve) and whether it got through. */
  'alert.paged',
  'alert.resolved',
  /** A group held back from escalation, paging and incidents by a maintenance window. */
  'alert.held',
  /** A diagnosis of the group started (src/procedures/alert-diagnosis.ts): names its run's invocation, so a post-mortem finds its steps. */
  'alert.diagnosis',
  // maintenance windows (src/alerts/maintenance*.ts): announced ahead, started, ended
  'maintenance.scheduled',
  'maintenance.started',
  'maintenance.ended',
  'incident.declared',
  'incident.status',
  'incident.severity',
  'incident.role',
  'incident.update',
  'incident.action-item',
  /** Where the incident runs: its own channel, or the incidents channel while creating one fails. */
  'incident.channel',
  'incident.service',
  'incident.alert-linked',
  /** On-call was paged for the incident (declared or raised to a paging severity); resolving resolves only such a page. */
  'incident.paged',
  /** A reminder the system posted (a status update due, a lead missing). */
  'incident.reminder',
  'note',
  'message.marked',
  // procedures (src/procedures): a step that is not a command (check, wait), and how a run ended.
  // Command steps are action.started / action.finished like typed ones; presses are `button` rows.
  'procedure.step',
  'procedure.finished',
  /** A drill's report (src/alerts/drill.ts): every hop of the synthetic alert and its latency. */
  'drill.reported',
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

export interface TimelineEventInput {
  /** Groups the events of one invocation (command → confirmation → run → result). */
  invocationId: string;
  incidentId?: string | null;
  /**
   * The service the event is about, when its request named one (a command's service argument, an
   * alert group's service). One row per invocation is enough: /timeline SERVICE lists every event
   * of an invocation that has it (see timeline-query.ts).
   */
  service?: string | null;
  kind: TimelineKind;
  actor: Actor;
  channel?: ChannelRef | null;
  command?: string | null;
  text?: string | null;
  argv?: string[] | null;
  exitCode?: number | null;
  outcome?: string | null;
  output?: string | null;
  durationMs?: number | null;
  detail?: { [key: string]: JsonValue };
  /** When it happened, if not now: an event kept while the store was away keeps its own time. */
  at?: Date;
}

export interface TimelineEvent extends Required<Omit<TimelineEventInput, 'detail' | 'channel' | 'kind' | 'at'>> {
  id: number;
  at: Date;
  /** A kind of TIMELINE_KINDS; rows written by older versions may hold others. */
  kind: string;
  channel: ChannelRef | null;
  detail: { [key: string]: JsonValue };
}

export interface TimelineFilter {
  invocationId?: string;
  incidentId?: string;
  limit?: number;
  /** The newest `limit` events instead of the oldest (still returned oldest first). */
  newest?: boolean;
}

/** What /timeline asks for; the rules are in timeline-query.ts. */
export interface TimelinePageQuery {
  /**
   * Only events about this service: every event of an invocation one of whose events carries the
   * service (the command's row names the service its request acted on, an alert group's rows the
   * group's service), so a confirmation, its run and its result come with the command.
   */
  service?: string;
  /** Only events by this person: their id or their display name, any case. */
  user?: string;
  /** Only events at or after this time. */
  since?: Date;
  /** 1-based. */
  page: number;
  pageSize: number;
}

export interface TimelinePage {
  /** Newest first. */
  events: TimelineEvent[];
  /** Whether a next page exists. */
  more: boolean;
}

/** Storage of timeline rows (src/store). Only the TimelineRecorder appends. */
export interface TimelineRepository {
  append(event: TimelineEventInput): Promise<TimelineEvent>;
  list(filter?: TimelineFilter): Promise<TimelineEvent[]>;
  /** One page of events across incidents, newest first (timeline-query.ts says which count). */
  page(query: TimelinePageQuery): Promise<TimelinePage>;
}

/** The timeline as the rest of the code sees it: record (always redacted) and read. */
export interface Timeline {
  /** Throws when the store fails: for events written before something runs (then nothing runs). */
  record(event: TimelineEventInput): Promise<TimelineEvent>;
  /**
   * For what already happened (a tool ran): when the store is unreachable the event is kept in
   * memory and written once it answers, so the outcome is told truthfully now and recorded later.
   */
  recordOrKeep(event: TimelineEventInput): Promise<'recorded' | 'kept'>;
  list(filter?: TimelineFilter): Promise<TimelineEvent[]>;
  page(query: TimelinePageQuery): Promise<TimelinePage>;
}

/** A console user named with `--as`: the OS account that really acted is kept with the event. */
function withOsUser(actor: Actor, detail: { [key: string]: JsonValue }): { [key: string]: JsonValue } {
  return actor.osUser !== undefined && actor.osUser !== actor.id ? { ...detail, osUser: actor.osUser } : detail;
}

/** Where an event that could not be written waits for the store (KeptRecords, kept-records.ts). */
export interface EventKeeper {
  keep(e: TimelineEventInput): void;
}

/**
 * The one writer of timeline events. Everything that reaches the store passes the redactor here,
 * whoever recorded it, so a caller cannot forget to mask a secret in argv, output or detail.
 */
export class TimelineRecorder implements Timeline {
  constructor(
    private readonly repo: TimelineRepository,
    private readonly redactor: Redactor,
    /** Where events of things that already happened wait while the store is away; absent (inside a transaction): recordOrKeep throws like record. */
    private readonly kept?: EventKeeper,
  ) {}

  record(e: TimelineEventInput): Promise<TimelineEvent> {
    return this.repo.append(this.redacted(e));
  }

  async recordOrKeep(e: TimelineEventInput): Promise<'recorded' | 'kept'> {
    const event = this.redacted(e);
    try {
      await this.repo.append(event);
      return 'recorded';
    } catch (err) {
      // Only an outage waits: an event the store refuses for what it is would block the queue forever.
      if (!this.kept || !isStoreOutage(err)) throw err;
      this.kept.keep(event);
      return 'kept';
    }
  }

  private redacted(e: TimelineEventInput): TimelineEventInput {
    const r = this.redactor;
    return {
      ...e,
      text: e.text == null ? e.text : r.redact(e.text),
      argv: e.argv == null ? e.argv : r.redactArgv(e.argv),
      output: e.output == null ? e.output : r.redact(e.output),
      detail: withOsUser(e.actor, e.detail ? r.redactValue(e.detail) : {}),
    };
  }

  list(filter?: TimelineFilter): Promise<TimelineEvent[]> {
    return this.repo.list(filter);
  }

  page(query: TimelinePageQuery): Promise<TimelinePage> {
    return this.repo.page(query);
  }
}
