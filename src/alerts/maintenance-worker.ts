/**
 * Maintenance windows over time: a configured occurrence is stored once its notice is due (or it
 * is on), then each window is announced notice_h before it starts, when it starts and when it ends,
 * in the alerts channel. Each announcement is claimed in the store, so it is posted once whichever
 * replicas run; each is a timeline event. At a window's end, its services' groups still firing get
 * the incidents' reactions they were held from (a route's `incident:`), and escalate from then
 * (escalation.ts counts from the window's end); their cards lose the "during maintenance" mark.
 * A window's start and end are each one timeline event: the command's when a person started or
 * ended it, else the announcer's (claimRecord).
 */
import type { FirebreakConfig } from '../config/schema.js';
import type { BackgroundWorker, StopBy } from '../core/background-worker.js';
import type { Actor } from '../core/identity.js';
import type { Reply } from '../core/reply.js';
import type { TimelineKind } from '../core/timeline.js';
import type { AlertsPorts } from './ports.js';
import { configuredOccurrences, heldBy, isOn, windowEnd, windowLine, windowsBetween, type HeldBy, type MaintenanceStore, type MaintenanceWindow } from './maintenance.js';

export const MAINTENANCE_ACTOR: Actor = { platform: 'system', id: 'maintenance', name: 'maintenance' };

export type MaintenancePorts = Pick<AlertsPorts, 'chat' | 'timeline' | 'logger' | 'redactor' | 'alerts' | 'alertReactions'> & { maintenance: MaintenanceStore };

export interface Announced {
  window: string;
  kind: 'notice' | 'start' | 'end';
}

const hhmm = (d: Date) => d.toISOString().slice(11, 16);

/** "48 h", "2 h 30 min", "45 min": how far ahead a notice is. */
function ahead(ms: number): string {
  const min = Math.max(1, Math.round(ms / 60_000));
  const h = Math.floor(min / 60);
  const m = min % 60;
  return h === 0 ? `${m} min` : m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** The alerts channel, where cards go by default. */
const channelOf = (config: FirebreakConfig) => (config.alerts.channel ?? config.chat.incidents_channel).replace(/^#/, '');

function announcement(w: MaintenanceWindow, kind: Announced['kind'], now: Date, stillFiring: string[]): Reply {
  const what = `${w.services.join(', ')}: ${w.reason}`;
  if (kind === 'notice') {
    return {
      title: `🔧 Maintenance in ${ahead(w.startsAt.getTime() - now.getTime())}: ${what}`,
      status: 'info',
      text: `${windowLine(w)}\nDuring it, alerts of ${w.services.join(', ')} get cards but do not escalate, page or declare incidents.`,
    };
  }
  if (kind === 'start') {
    return {
      title: `🔧 Maintenance started: ${what}`,
      status: 'info',
      text: `${windowLine(w)}\nUntil ${hhmm(windowEnd(w))} UTC, alerts of ${w.services.join(', ')} are marked "during maintenance" and do not escalate, page or declare incidents. /maintenance end ${w.id} ends it early.`,
    };
  }
  const cancelled = windowEnd(w) <= w.startsAt;
  return {
    title: cancelled ? `🔧 Maintenance cancelled: ${what}` : `🔧 Maintenance ended: ${what}`,
    status: stillFiring.length > 0 ? 'warning' : 'ok',
    text: [
      windowLine(w),
      stillFiring.length > 0 ? `Still firing, and escalating normally from now: ${stillFiring.join(', ')}.` : cancelled ? '' : `Nothing of ${w.services.join(', ')} is firing.`,
    ]
      .filter((l) => l)
      .join('\n'),
  };
}

const KIND: Record<Announced['kind'], TimelineKind> = { notice: 'maintenance.scheduled', start: 'maintenance.started', end: 'maintenance.ended' };

/** One pass at `now`: stores due configured occurrences and makes every due announcement. Throws when the store fails. */
export async function announceMaintenance(config: FirebreakConfig, ports: MaintenancePorts, now: Date): Promise<Announced[]> {
  const maxNoticeMs = Math.max(0, ...config.maintenance.map((w) => w.notice_h)) * 3_600_000;
  for (const c of configuredOccurrences(config, now, new Date(now.getTime() + maxNoticeMs))) {
    if (c.startsAt.getTime() - c.noticeH * 3_600_000 <= now.getTime()) await ports.maintenance.create(c);
  }
  const done: Announced[] = [];
  // Ended within the last day (a replica down over an end still says it), or starting within the longest notice.
  for (const w of await ports.maintenance.overlapping(new Date(now.getTime() - 86_400_000), new Date(now.getTime() + maxNoticeMs + 86_400_000))) {
    const id = w.id!;
    const end = windowEnd(w);
    const kind: Announced['kind'] | null = now >= end ? 'end' : isOn(w, now) ? 'start' : w.noticeH > 0 && w.startsAt.getTime() - w.noticeH * 3_600_000 <= now.getTime() ? 'notice' : null;
    if (!kind || !(await ports.maintenance.claimAnnouncement(id, kind))) continue;
    // A window whose start was never announced (it was short, or every replica was down) still says it started.
    if (kind === 'end' && end > w.startsAt && (await ports.maintenance.claimAnnouncement(id, 'start'))) await say(config, ports, w, 'start', now, []);
    const firing = kind === 'end' ? await releaseHeld(config, ports, w, now) : [];
    await say(config, ports, w, kind, now, firing);
    done.push({ window: id, kind });
  }
  return done;
}

/**
 * The window is over. Cards it marked lose the mark (or name the window that still holds their
 * service), and the groups of its services still firing get the incidents' reactions they were held
 * from (those still held by another window wait for that one's end). Returns those still firing.
 */
async function releaseHeld(config: FirebreakConfig, ports: MaintenancePorts, w: MaintenanceWindow, now: Date): Promise<string[]> {
  const platforms = ports.chat.all().map((p) => p.platform);
  const on = (await windowsBetween(config, ports.maintenance, now, now)).filter((o) => o.id !== w.id);
  const stillHeld = async (service: string | null): Promise<HeldBy | null> => {
    const other = heldBy(on, service, now);
    if (!other) return null;
    const stored = other.id ? other : await ports.maintenance.create(other);
    return { id: stored.id!, reason: stored.reason, until: windowEnd(stored) };
  };
  for (const group of await ports.alerts.heldBy(w.id!)) {
    await ports.alerts.moveHold(group.id, w.id!, await stillHeld(group.service), platforms).catch((err: unknown) =>
      ports.logger.error({ group: group.id, err: ports.redactor.redact(String(err)) }, `maintenance: could not take window #${w.id}'s mark off the card of alert group ${group.id}`),
    );
  }
  const names: string[] = [];
  for (const service of w.services) {
    const other = heldBy(on, service, now);
    for (const group of await ports.alerts.firing({ service })) {
      names.push(`${group.alertname} (${service}, group ${group.id})`);
      if (other) continue;
      await ports.alertReactions?.({ group, stored: true, transition: 'opened' }).catch((err: unknown) =>
        ports.logger.error({ group: group.id, err: ports.redactor.redact(String(err)) }, `maintenance: reacting to ${group.alertname} (${service}) at the end of window #${w.id} failed`),
      );
    }
  }
  return names;
}

async function say(config: FirebreakConfig, ports: MaintenancePorts, w: MaintenanceWindow, kind: Announced['kind'], now: Date, firing: string[]): Promise<void> {
  const reply = announcement(w, kind, now, firing);
  // A start or end someone typed (/maintenance start, /maintenance end) was recorded by that command, with who.
  const record = kind === 'notice' || (await ports.maintenance.claimRecord(w.id!, kind));
  if (record) await ports.timeline.record({
    invocationId: `maintenance:${w.id}`,
    kind: KIND[kind],
    actor: MAINTENANCE_ACTOR,
    text: reply.title,
    outcome: kind,
    detail: { window: w.id!, services: w.services, reason: w.reason, startsAt: w.startsAt.toISOString(), endsAt: windowEnd(w).toISOString(), stillFiring: firing },
  });
  for (const port of ports.chat.announcers()) {
    await port
      .postMessage({ name: channelOf(config) }, reply)
      .catch((err: unknown) => ports.logger.error({ window: w.id, platform: port.platform, err: ports.redactor.redact(String(err)) }, `maintenance: could not post "${reply.title}" on ${port.platform}`));
  }
}

/** Every replica runs it; the store's claims make each announcement once. */
export class MaintenanceWorker implements BackgroundWorker {
  readonly name = 'maintenance windows';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<Announced[]> | null = null;
  private readonly now: () => Date;
  private readonly intervalMs: number;

  constructor(
    private readonly config: FirebreakConfig,
    private readonly ports: MaintenancePorts,
    opts: { now?: () => Date; intervalMs?: number } = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.intervalMs = opts.intervalMs ?? 5_000;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(_opts?: StopBy): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass now (tests drive it with an injected clock). Never throws. */
  tick(): Promise<Announced[]> {
    if (this.running) return this.running;
    this.running = announceMaintenance(this.config, this.ports, this.now())
      .catch((err: unknown) => {
        const why = this.ports.redactor.redact(err instanceof Error ? err.message : String(err));
        this.ports.logger.error({ err: why }, `maintenance windows could not be read or announced: ${why}; tried again in ${this.intervalMs / 1000} s`);
        return [];
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }
}
