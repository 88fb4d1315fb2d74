import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AlertStore } from '../alerts/alert-store.js';
import { diagnosingRoutes, type DiagnosisStore } from '../alerts/diagnosis.js';
import type { FirebreakConfig } from '../config/schema.js';
import { msLeft, settlesWithin, type BackgroundWorker, type StopBy } from '../core/background-worker.js';
import type { PipelinePorts } from '../core/pipeline-ports.js';
import { DIAGNOSIS_ACTOR, diagnoseGroup, type DiagnosisOutcome } from '../procedures/alert-diagnosis.js';
import type { ProceduresPorts } from '../procedures/ports.js';

export interface DiagnosisMetrics {
  /** One diagnosis decided or ended: ok, failed, skipped, error, storm, interrupted (swept: its replica stopped). */
  diagnosis(outcome: DiagnosisOutcome | 'storm' | 'interrupted'): void;
}

/** Groups that first fired longer ago than this when this replica looks are not diagnosed on arrival (a restart after a long outage). */
const ARRIVAL_WINDOW_MS = 15 * 60_000;

export function diagnosesConfigured(config: FirebreakConfig): boolean {
  return diagnosingRoutes(config).size > 0;
}

/**
 * Diagnosed on arrival, on every replica: each new firing group on a route with `diagnose:` — and
 * each group that fires again after resolving (a new firing, with a report of its own) — is decided
 * once in the store under the storm limit (alerts.diagnose): run here, marked "not diagnosed:
 * storm", or left for the next look while max_concurrent runs are going.
 */
export class AlertDiagnoser<P extends ProceduresPorts & PipelinePorts<P> & { alerts: AlertStore }> implements BackgroundWorker {
  readonly name = 'alert diagnoses';
  private readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly stop$ = new AbortController();
  private loop: Promise<void> | null = null;
  private reported = false;

  constructor(
    private readonly config: FirebreakConfig,
    private readonly ports: P,
    private readonly store: DiagnosisStore,
    private readonly metrics: DiagnosisMetrics,
    private readonly opts: { pollMs?: number } = {},
  ) {}

  start(): void {
    if (this.loop || this.stop$.signal.aborted) return;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stop$.signal.aborted) {
      try {
        await this.look();
        this.reported = false;
      } catch (err) {
        if (!this.reported) this.ports.logger.warn({ err: this.ports.redactor.redact(String(err)) }, `New alert groups could not be diagnosed (${this.ports.redactor.redact(String(err))}); trying again.`);
        this.reported = true;
      }
      try {
        await sleep(this.opts.pollMs ?? 1_000, undefined, { signal: this.stop$.signal });
      } catch {
        /* stopping */
      }
    }
  }

  /** One look: the undecided groups, oldest first, each decided until max_concurrent are running. */
  async look(): Promise<void> {
    const routes = diagnosingRoutes(this.config);
    const platforms = this.ports.chat.all().map((p) => p.platform);
    const limits = { maxConcurrent: this.config.alerts.diagnose.max_concurrent, perMinute: this.config.alerts.diagnose.per_minute };
    const groups = await this.store.undecided([...routes.keys()], new Date(Date.now() - ARRIVAL_WINDOW_MS), 500);
    for (const g of groups) {
      if (this.stop$.signal.aborted || this.ports.steps.stopping) return;
      const procedure = routes.get(g.route)!;
      const decision = await this.store.decide(g.id, g.episode, procedure, limits, this.holder, platforms);
      if (decision === 'wait') return;
      if (decision === 'storm') {
        this.metrics.diagnosis('storm');
        this.ports.logger.warn({ group: g.id, procedure }, `alert group ${g.id} not diagnosed: more than ${limits.perMinute} diagnoses a minute (alerts.diagnose.per_minute); its card offers a Diagnose button`);
      }
      if (decision !== 'run') continue;
      const trigger = `alert group ${g.id} (${g.labels.alertname ?? 'alert'}) ${g.episode > 1 ? `fired again (firing ${g.episode})` : 'fired'}`;
      const work = diagnoseGroup(this.config, this.ports, this.store, g.id, procedure, { claim: { episode: g.episode, holder: this.holder }, actor: DIAGNOSIS_ACTOR, trigger })
        .then((r) => this.metrics.diagnosis(r.outcome))
        .catch((err: unknown) => {
          this.metrics.diagnosis('error');
          this.ports.logger.error({ group: g.id, procedure, err: this.ports.redactor.redact(String(err)) }, `the diagnosis ${procedure} of alert group ${g.id} could not run: ${this.ports.redactor.redact(String(err))}`);
        });
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    }
  }

  /** Takes nothing new; waits, within the deadline, for the diagnoses in hand (their steps are the step drain's). */
  async stop(opts?: StopBy): Promise<void> {
    this.stop$.abort();
    await this.loop;
    const all = Promise.allSettled([...this.inFlight]);
    if (opts) await settlesWithin(all, msLeft(opts.deadline));
    else await all;
  }
}
