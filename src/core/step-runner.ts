import type { FirebreakConfig } from '../config/schema.js';
import type { Refusal } from './authorize.js';
import type { Actor } from './identity.js';
import { keepLeaseAlive, releaseLease } from './lease-keeper.js';
import type { LeaseInfo, LeaseRepository, Logger } from './ports.js';
import { stepRefusal, type StepPlan } from './step-plan.js';
import { StepsInFlight, type DrainReport, type StepEntry } from './steps-in-flight.js';

/** How a step's work ended, as `finish` is told. `durationMs` runs from the start of `execute`. */
export type StepEnd<T> =
  | { kind: 'finished'; value: T; durationMs: number }
  | { kind: 'threw'; error: unknown; durationMs: number }
  /**
   * Shutdown's grace ran out while it ran. Its signal was aborted (tools that honour it are killed);
   * `late` is what `execute` returned within the short wait after that, if it did. Either way the
   * step was cut off part-way: its outcome is unknown, and it is never re-run silently.
   */
  | { kind: 'interrupted'; reason: 'shutdown'; durationMs: number; late?: { kind: 'finished'; value: T } | { kind: 'threw'; error: unknown } };

export interface StepRequest<T, R> {
  /** Unique per attempt (a confirmation id, an invocation id, a backup id): the lease holder. */
  id: string;
  plan: StepPlan;
  /** Who runs it: the confirmer, the requester of an unconfirmed step, or the system. */
  actor: Actor;
  /** Checks the plan's role and approval for `actor` first; absent for the system's own jobs. */
  authority?: { config: FirebreakConfig; requestedBy?: Actor; what: string };
  /**
   * Once the role and approval rules said yes, before shutdown and the lease are checked: tell the
   * person it starts (/backup now's first progress line), which someone refused must never see.
   */
  authorized?(): Promise<void>;
  leaseTtlMs: number;
  /** `abort`: a lost lease (expired and taken by someone else) aborts the step's signal; default: logged only. */
  onLeaseLost?: 'abort' | 'warn';
  /**
   * Under the lease, before anything runs: write that the step starts (decide its confirmation,
   * record `action.started`). False: someone else already started it, nothing runs. A throw (the
   * store failed) also runs nothing, and reaches the caller.
   */
  begin(): Promise<boolean>;
  /** The work. `signal` aborts on interruption (shutdown) or, with onLeaseLost: 'abort', a lost lease. */
  execute(signal: AbortSignal): Promise<T>;
  /** Records how it ended and shapes the caller's result; called exactly once for every begun step, under the lease. */
  finish(end: StepEnd<T>): Promise<R>;
}

export type StepRun<R> =
  | { kind: 'done'; result: R }
  /** The role or approval rules said no; nothing was leased or run. */
  | { kind: 'refused'; refusal: Refusal }
  /** This process is shutting down; nothing was leased (or the lease was given back) and nothing ran. */
  | { kind: 'stopping' }
  /** Another step holds the lease; nothing ran. */
  | { kind: 'busy'; heldBy: LeaseInfo }
  /** `begin` said someone else started it first; nothing ran. */
  | { kind: 'not-begun' };

/** After an interruption, how long `execute` gets to notice its aborted signal (a killed tool's exit code). */
const SETTLE_AFTER_INTERRUPT_MS = 2_000;

/**
 * Runs one planned step: role and approval → lease → begin → execute under the lease (renewed) →
 * finish (record exactly once) → release, also when the work throws. Every step in this process is
 * registered in `inFlight` from before its lease until after its release, which is how graceful
 * shutdown waits for it and, after the grace, interrupts it (`finish` is told, then the lease goes).
 *
 * Exactly once across replicas comes from the caller's `begin` (an atomic decision in the store)
 * under the lease; the runner guarantees that `execute` runs at most once per request and `finish`
 * exactly once after a `begin` that said yes. A procedure runner calls it for each step it executes.
 */
export class StepRunner {
  readonly inFlight = new StepsInFlight();

  constructor(
    private readonly deps: { leases: LeaseRepository; logger: Logger },
    private readonly opts: { settleMs?: number } = {},
  ) {}

  get stopping(): boolean {
    return this.inFlight.stopping;
  }

  /** Shutdown: stop taking steps, give running ones `graceMs`, then interrupt and record the rest. */
  drain(opts: { graceMs: number; recordMs?: number; cutShort?: Promise<unknown> }): Promise<DrainReport> {
    return this.inFlight.drain({ graceMs: opts.graceMs, recordMs: opts.recordMs ?? (this.opts.settleMs ?? SETTLE_AFTER_INTERRUPT_MS) + 5_000, cutShort: opts.cutShort });
  }

  /** `using`: the caller's leases and logger (its ports), when they differ from the ones the runner was built with. */
  async run<T, R>(req: StepRequest<T, R>, using: { leases: LeaseRepository; logger: Logger } = this.deps): Promise<StepRun<R>> {
    if (req.authority) {
      const refusal = stepRefusal(req.authority.config, req.plan, { actor: req.actor, requestedBy: req.authority.requestedBy, what: req.authority.what });
      if (refusal) return { kind: 'refused', refusal };
    }
    await req.authorized?.();
    if (this.inFlight.stopping) return { kind: 'stopping' };
    // Registered before the first await: a shutdown that begins while the lease is taken waits for it.
    const entry = this.inFlight.register(req.plan.title);
    const { leases, logger } = using;
    const lease = { key: req.plan.lease, holderId: req.id, ttlMs: req.leaseTtlMs };
    try {
      const got = await leases.acquire(lease.key, { id: req.id, actorName: req.actor.name, description: req.plan.title }, lease.ttlMs);
      if (!got.acquired) return { kind: 'busy', heldBy: got.heldBy };
      try {
        // Shutdown began while the lease was taken: start nothing (a confirmation stays pending).
        if (this.inFlight.stopping) return { kind: 'stopping' };
        if (!(await req.begin())) return { kind: 'not-begun' };
        const end = await this.execute(req, entry, using);
        return { kind: 'done', result: await req.finish(end) };
      } finally {
        await releaseLease(leases, lease, logger);
      }
    } finally {
      entry.done();
    }
  }

  private async execute<T, R>(req: StepRequest<T, R>, entry: StepEntry, using: { leases: LeaseRepository; logger: Logger }): Promise<StepEnd<T>> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const controller = new AbortController();
    const lost = req.onLeaseLost === 'abort' ? () => controller.abort(new Error(`the lease ${req.plan.lease} was lost`)) : undefined;
    const stopRenewing = keepLeaseAlive(using.leases, { key: req.plan.lease, holderId: req.id, ttlMs: req.leaseTtlMs }, using.logger, lost);
    try {
      // Interrupted while it was being begun: it never started, and says so rather than starting now.
      if (entry.interrupted) return { kind: 'interrupted', reason: 'shutdown', durationMs: 0 };
      const working = req.execute(controller.signal).then(
        (value) => ({ kind: 'finished' as const, value }),
        (error: unknown) => ({ kind: 'threw' as const, error }),
      );
      const first = await Promise.race([working, entry.interruption]);
      if (first !== 'interrupted') return { ...first, durationMs: elapsed() };
      controller.abort(new Error('Firebreak is shutting down'));
      const durationMs = elapsed();
      let timer: NodeJS.Timeout | undefined;
      const late = await Promise.race([working, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), this.opts.settleMs ?? SETTLE_AFTER_INTERRUPT_MS)))]);
      clearTimeout(timer);
      if (!late) {
        void working.then((w) => using.logger.warn({ step: req.plan.title, ended: w.kind }, `"${req.plan.title}" ended after it was recorded as interrupted by shutdown`));
      }
      return { kind: 'interrupted', reason: 'shutdown', durationMs, ...(late ? { late } : {}) };
    } finally {
      stopRenewing();
    }
  }
}
