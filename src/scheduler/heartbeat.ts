/**
 * Heartbeat out (alerts.heartbeat): Firebreak's own dead man's switch, the other way round from
 * alerts.watchdog. Every every_s one replica — the one that claims the slot, as the backup slots
 * are claimed — pings an external URL, but only while this Firebreak is healthy by /readyz's
 * checks (the store, Redis, the chat platforms, the alert outbox). When Firebreak is down or cannot
 * do its work, the pings stop and the external service pages someone.
 */
import type { FirebreakConfig } from '../config/schema.js';
import type { BackgroundWorker, StopBy } from '../core/background-worker.js';
import type { Coordination, Logger } from '../core/ports.js';
import type { Redactor } from '../core/redact.js';

/** What /readyz checks, as one answer: the names of the checks that fail, with why. */
export type HealthVerdict = { ok: true } | { ok: false; failing: string[] };

export interface HeartbeatDeps {
  coordination: Coordination;
  healthy: () => Promise<HealthVerdict>;
  ping: (url: string, timeoutMs: number) => Promise<void>;
  logger: Logger;
  redactor: Redactor;
}

export type HeartbeatTick = 'pinged' | 'unhealthy' | 'not-elected' | 'failed' | 'off';

export class HeartbeatScheduler implements BackgroundWorker {
  readonly name = 'heartbeat';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<HeartbeatTick> | null = null;
  private stopped = false;
  private readonly now: () => Date;
  private readonly intervalMs: number;
  /** The last outcome said in the log, so a long outage is said once and its end once. */
  private said: HeartbeatTick | null = null;

  constructor(
    private readonly config: FirebreakConfig,
    private readonly deps: HeartbeatDeps,
    opts: { now?: () => Date; intervalMs?: number } = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.intervalMs = opts.intervalMs ?? (config.alerts.heartbeat?.every_s ?? 60) * 1000;
  }

  start(): void {
    if (!this.config.alerts.heartbeat || this.timer) return;
    this.stopped = false;
    this.schedule();
  }

  /** Every replica wakes at the start of each slot, so the claim decides who pings. */
  private schedule(): void {
    if (this.stopped) return;
    const wait = this.intervalMs - (Date.now() % this.intervalMs) + 20;
    this.timer = setTimeout(() => void this.tick().finally(() => this.schedule()), wait);
    this.timer.unref();
  }

  async stop(_opts?: StopBy): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One slot now (tests drive it). Never throws. */
  tick(): Promise<HeartbeatTick> {
    if (this.running) return this.running;
    this.running = this.beat(this.now()).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async beat(now: Date): Promise<HeartbeatTick> {
    const hb = this.config.alerts.heartbeat;
    if (!hb) return 'off';
    const slot = Math.floor(now.getTime() / this.intervalMs);
    try {
      if (!(await this.deps.coordination.claimOnce(`heartbeat:${slot}`, this.intervalMs * 2))) return 'not-elected';
    } catch {
      // Redis not answering is a failing /readyz check: the health check below says so and skips the ping.
    }
    const verdict = await this.deps.healthy().catch((err: unknown): HealthVerdict => ({ ok: false, failing: [`health: ${String(err)}`] }));
    if (!verdict.ok) {
      this.tell('unhealthy', () => this.deps.logger.warn({ failing: verdict.failing }, `heartbeat: not pinged while unhealthy (${this.deps.redactor.redact(verdict.failing.join('; '))}); the external switch will page if this lasts`));
      return 'unhealthy';
    }
    try {
      await this.deps.ping(hb.url, hb.timeout_ms);
      this.tell('pinged', () => this.deps.logger.info({}, 'heartbeat: pinging the external dead man\'s switch'));
      return 'pinged';
    } catch (err) {
      const why = this.deps.redactor.redact(err instanceof Error ? err.message : String(err));
      this.tell('failed', () => this.deps.logger.error({ err: why }, `heartbeat: ${why}; tried again next slot`));
      return 'failed';
    }
  }

  private tell(outcome: HeartbeatTick, say: () => void): void {
    if (this.said === outcome) return;
    this.said = outcome;
    say();
  }
}
