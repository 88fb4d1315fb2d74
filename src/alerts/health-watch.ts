/**
 * The health watch: Firebreak's own alert for stacks without Prometheus. Every alerts.watch.interval_s
 * one replica runs the /health checks; after failure_threshold consecutive failures of a check it
 * raises a HealthCheckFailing alert through the same ingestion as Alertmanager's (one card per
 * check, routes, escalation), and resolves it when the check passes again. The counters live in
 * the store, so the replica that watches may change from one interval to the next.
 */
import type { BackgroundWorker, StopBy } from '../core/background-worker.js';
import { healthTargets } from '../core/health-targets.js';
import type { CheckConfig, FirebreakConfig } from '../config/schema.js';
import type { Coordination, HealthProber, Logger } from '../core/ports.js';
import type { Redactor } from '../core/redact.js';
import type { AlertNotification, AlertStatus } from './model.js';

export const WATCH_ALERTNAME = 'HealthCheckFailing';

/** What the store keeps per check. */
export interface WatchedCheck {
  check: string;
  failures: number;
  /** When the current run of failures began (kept while its alert is raised, even after a success). */
  firstFailureAt: Date | null;
  /** The latest failure's summary (kept while raised, for the resolution). */
  lastFailure: string | null;
  raised: boolean;
}

export type WatchResult = { ok: true } | { ok: false; at: Date; detail: string };

/** The health watch's counters (src/store/health-watch-repository.ts). */
export interface HealthWatchStore {
  /** Counts one interval's result; null when that interval (or a later one) was already counted. */
  record(check: string, slot: number, result: WatchResult): Promise<WatchedCheck | null>;
  /** Its alert was raised (true) or resolved (false); resolved also forgets when the failures began. */
  setRaised(check: string, raised: boolean): Promise<void>;
  list(): Promise<WatchedCheck[]>;
}

export interface HealthWatchDeps {
  health: HealthProber;
  coordination: Coordination;
  logger: Logger;
  redactor: Redactor;
  store: HealthWatchStore;
  /** The lead's ingestNotification(ports, config, n): stores it once and marks its card dirty. */
  ingest: (n: AlertNotification) => Promise<unknown>;
  /** Since when the alert webhook path is silent (alerts.watchdog's alert is raised), else null. */
  pipelineSilentSince?: () => Promise<Date | null>;
}

export type WatchTickOutcome = 'ran' | 'not-elected' | 'busy' | 'nothing-to-watch';

export interface WatchTick {
  outcome: WatchTickOutcome;
  /** Checks whose alert was raised / resolved in this interval. */
  raised: string[];
  resolved: string[];
}

interface Target {
  name: string;
  check: CheckConfig;
  service: boolean;
}

function targetsOf(config: FirebreakConfig): Target[] {
  return healthTargets(config).map((t) => ({ ...t, service: Object.hasOwn(config.services, t.name) }));
}

/** Whether the watch has anything to do: alerts.watch.enabled and at least one check to run. */
export function healthWatchConfigured(config: FirebreakConfig): boolean {
  return config.alerts.watch.enabled && targetsOf(config).length > 0;
}

const hhmm = (d: Date) => d.toISOString().slice(11, 16);

/** "api health check failing: connection refused (http://127.0.0.1:9/health)". */
export function failureSummary(name: string, detail: string, target: string): string {
  const where = target && !target.startsWith('(') ? ` (${target})` : '';
  return `${name} health check failing: ${detail}${where}`;
}

/**
 * The watch's alert for one check, as any source's notification. startsAt is when its failures
 * began, the same in every repeat, so the store's dedupe sees one alert.
 */
export function watchNotification(
  t: { name: string; service: boolean },
  state: { firstFailureAt: Date; summary: string; failures: number },
  status: AlertStatus,
  at: Date,
  opts: { intervalS: number; description?: string; pipelineSilentSince?: Date | null },
): AlertNotification {
  const labels: Record<string, string> = { alertname: WATCH_ALERTNAME, check: t.name, ...(t.service ? { service: t.name } : {}), severity: 'critical' };
  const description =
    opts.description ??
    (status === 'firing'
      ? `${state.failures} consecutive failures since ${hhmm(state.firstFailureAt)} UTC (checked every ${opts.intervalS} s by Firebreak's health watch).`
      : `Passing again at ${hhmm(at)} UTC.`) +
    // Two silences at once: Prometheus' alerts may not be arriving either, so this may be all anyone hears.
    (status === 'firing' && opts.pipelineSilentSince ? ` The alert webhook path is silent too: no Watchdog from Alertmanager since ${hhmm(opts.pipelineSilentSince)} UTC.` : '');
  const annotations = { summary: state.summary, description };
  return {
    source: 'watch',
    groupKey: `watch:${t.name}`,
    status,
    receiver: null,
    groupLabels: { alertname: WATCH_ALERTNAME, check: t.name },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalUrl: null,
    alerts: [
      {
        fingerprint: `watch:${t.name}`,
        status,
        labels,
        annotations,
        startsAt: state.firstFailureAt,
        endsAt: status === 'resolved' ? at : null,
        generatorUrl: null,
      },
    ],
  };
}

/**
 * The health watch of one replica. Every replica runs it; each interval is claimed through the
 * coordination (Redis with REDIS_URL), so one of them probes. Without an answer from Redis it
 * probes anyway: the store counts each interval once whoever reports it.
 */
export class HealthWatch implements BackgroundWorker {
  readonly name = 'health watch';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<WatchTick> | null = null;
  private stopped = false;
  private readonly now: () => Date;
  private readonly intervalMs: number;

  constructor(
    private readonly config: FirebreakConfig,
    private readonly deps: HealthWatchDeps,
    opts: { now?: () => Date; intervalMs?: number } = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.intervalMs = opts.intervalMs ?? config.alerts.watch.interval_s * 1000;
  }

  /** False when the watch is off (alerts.watch.enabled: false) or there is nothing to check; main.ts does not build it then. */
  start(): boolean {
    if (!healthWatchConfigured(this.config) || this.timer) return false;
    this.stopped = false;
    this.schedule();
    return true;
  }

  /** Every replica wakes at the start of each interval, so the claim decides who probes (not who woke first). */
  private schedule(): void {
    if (this.stopped) return;
    const wait = this.intervalMs - (Date.now() % this.intervalMs) + 50;
    this.timer = setTimeout(() => {
      void this.tick().finally(() => this.schedule());
    }, wait);
    this.timer.unref();
  }

  /** Starts no further interval; the one being probed is finished and recorded (its slot is claimed already). */
  async stop(_opts?: StopBy): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One interval now (tests drive it with an injected clock). Never throws. */
  tick(): Promise<WatchTick> {
    if (this.running) return Promise.resolve({ outcome: 'busy', raised: [], resolved: [] });
    this.running = this.run(this.now()).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(now: Date): Promise<WatchTick> {
    const result: WatchTick = { outcome: 'ran', raised: [], resolved: [] };
    const targets = targetsOf(this.config);
    if (targets.length === 0) return { ...result, outcome: 'nothing-to-watch' };
    const slot = Math.floor(now.getTime() / this.intervalMs);
    try {
      if (!(await this.deps.coordination.claimOnce(`watch:health:${slot}`, this.intervalMs * 2))) return { ...result, outcome: 'not-elected' };
    } catch (err) {
      this.deps.logger.warn({ slot, err: this.deps.redactor.redact(String(err)) }, 'health watch: the coordination did not answer; probing anyway (the store counts this interval once)');
    }
    const probed = await Promise.all(targets.map(async (t) => ({ t, r: await this.deps.health.probe(t.check) })));
    for (const { t, r } of probed) {
      try {
        const outcome = await this.observe(t, slot, now, r.ok ? { ok: true } : { ok: false, at: now, detail: failureSummary(t.name, r.detail, r.target) });
        if (outcome === 'raised') result.raised.push(t.name);
        if (outcome === 'resolved') result.resolved.push(t.name);
      } catch (err) {
        const why = this.deps.redactor.redact(err instanceof Error ? err.message : String(err));
        this.deps.logger.error({ check: t.name, err: why }, `health watch: the result of ${t.name} could not be recorded or raised: ${why}; it is tried again next interval`);
      }
    }
    result.resolved.push(...(await this.forgetRemoved(targets, now)));
    return result;
  }

  private async observe(t: Target, slot: number, now: Date, r: WatchResult): Promise<'raised' | 'resolved' | null> {
    const state = await this.deps.store.record(t.name, slot, r);
    // Counted already by another replica (Redis down) or a later interval: not ours to act on.
    if (!state) return null;
    const intervalS = Math.round(this.intervalMs / 1000);
    if (!r.ok && !state.raised && state.failures >= this.config.alerts.watch.failure_threshold && state.firstFailureAt) {
      // Stored first, then marked: a failed ingest is tried again next interval (and deduplicated if it had landed).
      const silentSince = await this.deps.pipelineSilentSince?.().catch(() => null);
      await this.deps.ingest(watchNotification(t, { firstFailureAt: state.firstFailureAt, summary: r.detail, failures: state.failures }, 'firing', now, { intervalS, pipelineSilentSince: silentSince ?? null }));
      await this.deps.store.setRaised(t.name, true);
      this.deps.logger.warn({ check: t.name, failures: state.failures }, `health watch: raised ${WATCH_ALERTNAME} for ${t.name}: ${r.detail}`);
      return 'raised';
    }
    if (r.ok && state.raised) {
      await this.resolve(t, state, now, intervalS);
      return 'resolved';
    }
    return null;
  }

  /** `removed`: the check was taken out of the config, so it is not said to pass (it was never checked again). */
  private async resolve(t: { name: string; service: boolean }, state: WatchedCheck, now: Date, intervalS: number, removed = false): Promise<void> {
    const firstFailureAt = state.firstFailureAt ?? now;
    const summary = removed ? `${t.name} is no longer checked: it was removed from the configuration` : (state.lastFailure ?? `${t.name} health check failing`);
    const description = removed ? `No longer checked since ${hhmm(now)} UTC: ${t.name} was removed from the configuration, so whether it passes is not known.` : undefined;
    await this.deps.ingest(watchNotification(t, { firstFailureAt, summary, failures: 0 }, 'resolved', now, { intervalS, description }));
    await this.deps.store.setRaised(t.name, false);
    this.deps.logger.info(
      { check: t.name },
      removed ? `health watch: ${t.name} was removed from the configuration; resolved its ${WATCH_ALERTNAME} alert` : `health watch: ${t.name} passes again; resolved its ${WATCH_ALERTNAME} alert`,
    );
  }

  /** A check taken out of the config while its alert was raised: resolved, or its card would stay red forever. */
  private async forgetRemoved(targets: Target[], now: Date): Promise<string[]> {
    const names = new Set(targets.map((t) => t.name));
    const resolved: string[] = [];
    try {
      for (const s of await this.deps.store.list()) {
        if (!s.raised || names.has(s.check)) continue;
        await this.resolve({ name: s.check, service: false }, s, now, Math.round(this.intervalMs / 1000), true);
        resolved.push(s.check);
      }
    } catch (err) {
      this.deps.logger.error({ err: this.deps.redactor.redact(String(err)) }, 'health watch: could not resolve the alerts of checks removed from the configuration');
    }
    return resolved;
  }
}
