/**
 * The dead man's switch (alerts.watchdog). Alertmanager's always-firing Watchdog alert (the
 * kube-prometheus convention) proves that Prometheus evaluates, Alertmanager routes and its
 * webhook reaches Firebreak. It is swallowed — no card — and only its arrival is kept in the store,
 * so a Watchdog delivered to any replica counts for all of them. When none has arrived for
 * expect_every_s × 2, Firebreak raises its own critical alert through the normal path (card,
 * escalation, PagerDuty); when it comes back, that alert resolves. The store makes each of the two
 * happen once across replicas.
 */
import type { FirebreakConfig } from '../config/schema.js';
import type { BackgroundWorker, StopBy } from '../core/background-worker.js';
import type { Logger } from '../core/ports.js';
import type { Redactor } from '../core/redact.js';
import type { AlertNotification, AlertStatus } from './model.js';

/** The alertname of Firebreak's own alert when the Watchdog stops. */
export const PIPELINE_SILENT_ALERTNAME = 'AlertingPipelineSilent';

export interface WatchdogState {
  /** When a firing Watchdog last arrived (or when watching began, before the first one). */
  lastSeenAt: Date;
  everSeen: boolean;
  /** When the silent alert was raised; null while the Watchdog arrives. */
  raisedAt: Date | null;
}

/** The Watchdog's state (src/store/watchdog-repository.ts, migration 160). */
export interface WatchdogStore {
  /** Starts watching at `now` unless already watched; returns the state. */
  begin(alertname: string, now: Date): Promise<WatchdogState>;
  /**
   * A firing Watchdog arrived at `at`. Returns the state before it; its raisedAt is non-null for
   * exactly one caller (the raise is cleared in the same statement), which resolves the silent alert.
   */
  seen(alertname: string, at: Date): Promise<WatchdogState>;
  /** Claims raising the silent alert: true for one caller, when it was last seen before `cutoff` and is not raised. */
  claimRaise(alertname: string, cutoff: Date, now: Date): Promise<WatchdogState | null>;
  /** Gives a claimed raise back (its alert could not be stored): the next tick tries again. */
  unclaimRaise(alertname: string): Promise<void>;
  state(alertname: string): Promise<WatchdogState | null>;
}

export interface WatchdogDeps {
  store: WatchdogStore;
  logger: Logger;
  redactor: Redactor;
  /** The lead's ingestNotification(ports, config, n): stores it once and marks its card dirty. */
  ingest: (n: AlertNotification) => Promise<unknown>;
}

const hhmm = (d: Date) => d.toISOString().slice(11, 16);

/** Whether the Watchdog has been missing long enough to say so: more than expect_every_s × 2. Pure. */
export function watchdogOverdue(lastSeenAt: Date, now: Date, expectEveryS: number): boolean {
  return now.getTime() - lastSeenAt.getTime() >= expectEveryS * 2 * 1000;
}

/**
 * Splits a notification into its Watchdog alerts and the rest (as a notification of its own, or
 * null when nothing else is in it). Pure. Without alerts.watchdog nothing is split off.
 */
export function splitWatchdog(config: FirebreakConfig, n: AlertNotification): { watchdog: AlertNotification['alerts']; rest: AlertNotification | null } {
  const name = config.alerts.watchdog?.alertname;
  if (!name) return { watchdog: [], rest: n };
  const watchdog = n.alerts.filter((a) => a.labels.alertname === name);
  const others = n.alerts.filter((a) => a.labels.alertname !== name);
  const wholeGroup = n.alerts.length === 0 && (n.groupLabels.alertname === name || n.commonLabels.alertname === name);
  if (watchdog.length === 0 && !wholeGroup) return { watchdog: [], rest: n };
  if (others.length === 0) return { watchdog, rest: null };
  return { watchdog, rest: { ...n, alerts: others, status: others.some((a) => a.status === 'firing') ? 'firing' : 'resolved' } };
}

/** Firebreak's own alert: the Watchdog stopped arriving at `silentSince`. */
export function pipelineSilentNotification(config: FirebreakConfig, silentSince: Date, status: AlertStatus, at: Date): AlertNotification {
  const wd = config.alerts.watchdog!;
  const labels = { alertname: PIPELINE_SILENT_ALERTNAME, severity: 'critical', watchdog: wd.alertname };
  const annotations = {
    summary: `Alerting pipeline silent since ${hhmm(silentSince)} UTC`,
    description:
      status === 'firing'
        ? `No ${wd.alertname} alert has reached Firebreak since ${hhmm(silentSince)} UTC (expected every ${wd.expect_every_s} s). Alertmanager may be down, its webhook to Firebreak broken, or Prometheus not evaluating rules: other alerts may not be arriving either.`
        : `${wd.alertname} arrives again since ${hhmm(at)} UTC: the alerting pipeline works.`,
  };
  return {
    source: 'watch',
    groupKey: `watchdog:${wd.alertname}`,
    status,
    receiver: null,
    groupLabels: { alertname: PIPELINE_SILENT_ALERTNAME },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalUrl: null,
    alerts: [
      {
        fingerprint: `watchdog:${wd.alertname}`,
        status,
        labels,
        annotations,
        // The same in every repeat, so the store's dedupe sees one alert.
        startsAt: silentSince,
        endsAt: status === 'resolved' ? at : null,
        generatorUrl: null,
      },
    ],
  };
}

/**
 * What a webhook does before ingesting: notes a firing Watchdog as seen (resolving the silent alert
 * when it was raised) and returns what is left to ingest, or null when the notification was only
 * the Watchdog. Throws when the store fails, so the webhook answers 503 and Alertmanager retries.
 */
export async function interceptWatchdog(config: FirebreakConfig, deps: WatchdogDeps, n: AlertNotification, now: Date): Promise<AlertNotification | null> {
  const wd = config.alerts.watchdog;
  if (!wd) return n;
  const { watchdog, rest } = splitWatchdog(config, n);
  // A resolved Watchdog (Alertmanager timing it out) is not a sign of life; it is swallowed all the same.
  if (watchdog.some((a) => a.status === 'firing')) {
    const before = await deps.store.seen(wd.alertname, now);
    if (before.raisedAt) {
      await deps.ingest(pipelineSilentNotification(config, before.lastSeenAt, 'resolved', now));
      deps.logger.info({ alertname: wd.alertname }, `watchdog: ${wd.alertname} arrives again; resolved ${PIPELINE_SILENT_ALERTNAME}`);
    }
  }
  return rest;
}

/** When the alert path went silent, while the silent alert is raised; null otherwise (or without a watchdog). */
export async function pipelineSilentSince(config: FirebreakConfig, store: WatchdogStore): Promise<Date | null> {
  const wd = config.alerts.watchdog;
  if (!wd) return null;
  const s = await store.state(wd.alertname);
  return s?.raisedAt ? s.lastSeenAt : null;
}

export type WatchdogTick = 'raised' | 'arriving' | 'already-raised' | 'claimed-elsewhere' | 'failed';

/**
 * Watches for the Watchdog's absence on one replica. Every replica runs it; the store's claim
 * raises the silent alert once. Before the first Watchdog, its absence counts from when watching began.
 */
export class WatchdogWatch implements BackgroundWorker {
  readonly name = 'watchdog';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<WatchdogTick> | null = null;
  private readonly now: () => Date;
  private readonly intervalMs: number;

  constructor(
    private readonly config: FirebreakConfig,
    private readonly deps: WatchdogDeps,
    opts: { now?: () => Date; intervalMs?: number } = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    const expectMs = (config.alerts.watchdog?.expect_every_s ?? 300) * 1000;
    // Often enough that "silent for twice the period" is said within a fraction of the period.
    this.intervalMs = opts.intervalMs ?? Math.max(500, Math.min(15_000, expectMs / 4));
  }

  start(): void {
    if (!this.config.alerts.watchdog || this.timer) return;
    const wd = this.config.alerts.watchdog;
    void this.deps.store.begin(wd.alertname, this.now()).catch((err: unknown) =>
      this.deps.logger.warn({ err: this.deps.redactor.redact(String(err)) }, 'watchdog: could not note when watching began; the first check does it'),
    );
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  async stop(_opts?: StopBy): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One check now (tests drive it with an injected clock). Never throws. */
  tick(): Promise<WatchdogTick> {
    if (this.running) return this.running;
    this.running = this.check(this.now()).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async check(now: Date): Promise<WatchdogTick> {
    const wd = this.config.alerts.watchdog;
    if (!wd) return 'arriving';
    try {
      const state = (await this.deps.store.state(wd.alertname)) ?? (await this.deps.store.begin(wd.alertname, now));
      if (state.raisedAt) return 'already-raised';
      if (!watchdogOverdue(state.lastSeenAt, now, wd.expect_every_s)) return 'arriving';
      const claimed = await this.deps.store.claimRaise(wd.alertname, new Date(now.getTime() - wd.expect_every_s * 2000), now);
      if (!claimed) return 'claimed-elsewhere';
      try {
        await this.deps.ingest(pipelineSilentNotification(this.config, claimed.lastSeenAt, 'firing', now));
      } catch (err) {
        await this.deps.store.unclaimRaise(wd.alertname).catch(() => undefined);
        throw err;
      }
      this.deps.logger.warn(
        { alertname: wd.alertname, lastSeenAt: claimed.lastSeenAt.toISOString() },
        `watchdog: no ${wd.alertname} since ${claimed.lastSeenAt.toISOString()}${claimed.everSeen ? '' : ' (none since watching began)'}; raised ${PIPELINE_SILENT_ALERTNAME}`,
      );
      return 'raised';
    } catch (err) {
      const why = this.deps.redactor.redact(err instanceof Error ? err.message : String(err));
      this.deps.logger.error({ err: why }, `watchdog: could not check the Watchdog or raise its alert: ${why}; tried again next check`);
      return 'failed';
    }
  }
}
