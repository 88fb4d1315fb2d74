import { randomUUID } from 'node:crypto';
import type { FirebreakConfig } from '../config/schema.js';
import { msLeft, type BackgroundWorker, type StopBy } from '../core/background-worker.js';
import { startedBy } from '../core/authorize.js';
import type { Actor } from '../core/identity.js';
import type { BackupsPorts } from '../backups/ports.js';
import { stopBackupJobs } from '../backups/backup-jobs.js';
import { reportBackupProblem } from '../backups/backup-report.js';
import { failAbandonedBackups } from '../backups/backup-sweep.js';
import { runBackupJob } from '../backups/run-backup-job.js';
import { runScheduledVerify, type VerifySlotOutcome } from '../backups/scheduled-verify.js';
import { formatBytes } from '../backups/backup-format.js';
import { duration } from '../core/text-format.js';
import { CronSlots } from './cron-slots.js';

export const SCHEDULER_ACTOR: Actor = { platform: 'system', id: 'scheduler', name: 'scheduler' };

const BACKUP = 'backup:';
const VERIFY = 'verify:';

/** A slot key outlives any clock skew between replicas; one key per target and slot, so it stays small. */
const SLOT_CLAIM_TTL_MS = 6 * 3600_000;

export type SlotOutcome = 'ran' | 'failed' | 'not-elected' | 'busy' | 'slot-taken' | 'unavailable' | 'stopping' | 'interrupted';

/**
 * Shutdown bounds: a running backup gets this long to finish before it is stopped (inside the
 * usual 30 s a container gets between SIGTERM and SIGKILL), then this long to clean up.
 */
export const SHUTDOWN_GRACE_MS = 15_000;
export const SHUTDOWN_ABORT_WAIT_MS = 10_000;

/**
 * At `firebreak start`'s shutdown the step drain has already had shutdown.grace_s and interrupted
 * the running backups; what is left is their clean-up (a killed dump, an aborted upload). It gets
 * up to 2 s to finish on its own; then the jobs are stopped and get the rest of the deadline but
 * the last second, which is kept for marking the records of jobs that still did not stop failed.
 */
const CLEAN_UP_GRACE_MS = 2_000;
const MARK_FAILED_MS = 1_000;

/** The schedule in force for a target: its own, else backups.schedule; "off" or none → not scheduled. */
export function scheduleFor(config: FirebreakConfig, target: string): string | undefined {
  const own = config.backups.targets[target]?.schedule;
  const s = own ?? config.backups.schedule;
  return s === 'off' ? undefined : s;
}

/**
 * Scheduled backups. Every replica runs the same cron; each slot is claimed through
 * Coordination.claimOnce (Redis SET NX PX with REDIS_URL, in-process otherwise), so exactly one
 * replica backs up per slot. The backups table's unique (target, slot) index backs that up.
 */
export class BackupScheduler implements BackgroundWorker {
  readonly name = 'backup schedule';
  /**
   * The crons: "backup:NAME" a target's schedule, "verify:NAME" its verify_schedule. node-cron's
   * day-of-month-and-weekday rule (both must match), which these schedules were written against.
   * Their work is tracked by the backup jobs (fire, fireVerify), which stop() waits for.
   */
  private readonly slots = new CronSlots<unknown>((key, when) => (key.startsWith(VERIFY) ? this.fireVerify(key.slice(VERIFY.length), when) : this.fire(key.slice(BACKUP.length), when)), { domAndDow: true });

  constructor(
    private readonly config: FirebreakConfig,
    private readonly ports: BackupsPorts,
  ) {}

  /**
   * The backup service's start: sweeps rows a crashed process left "running" (in the background,
   * tracked so stop() waits for it) and schedules every target that has a schedule.
   */
  start(): string[] {
    void this.sweep();
    const targets = Object.entries(this.config.backups.targets);
    const backups = targets.flatMap(([name]) => {
      const cron = scheduleFor(this.config, name);
      return cron ? [{ name, cron }] : [];
    });
    const started = this.schedule(BACKUP, backups, (name, cron) => `backups.targets.${name}: schedule "${cron}" is not a valid cron expression; ${name} will not be backed up on a schedule`);
    if (started.length > 0) this.ports.logger.info({ targets: started }, `scheduled backups: ${started.join(', ')}`);
    const verifies = targets.flatMap(([name, t]) => (t.type === 'postgres' && t.verify_schedule ? [{ name, cron: t.verify_schedule }] : []));
    const verifying = this.schedule(VERIFY, verifies, (name, cron) => `backups.targets.${name}: verify_schedule "${cron}" is not a valid cron expression; ${name} will not be test-restored on a schedule`);
    return [...started, ...verifying.map((name) => `${name} (test restore)`)];
  }

  /** Starts the targets' crons under `prefix`, logging each one croner refuses; returns the targets started. */
  private schedule(prefix: string, crons: { name: string; cron: string }[], refusal: (name: string, cron: string) => string): string[] {
    const refused = new Set(this.slots.start(crons.map((c) => ({ name: `${prefix}${c.name}`, cron: c.cron }))).map((r) => r.name.slice(prefix.length)));
    for (const c of crons) if (refused.has(c.name)) this.ports.logger.error({ target: c.name, schedule: c.cron }, refusal(c.name, c.cron));
    return crons.filter((c) => !refused.has(c.name)).map((c) => c.name);
  }

  /** Marks abandoned "running" rows failed and removes what they left. Never throws. */
  sweep(now: Date = new Date()): Promise<number> {
    return this.track(
      failAbandonedBackups(this.config, this.ports, now).then(
        (swept) => swept.length,
        (err: unknown) => {
          this.ports.logger.error({ err: this.ports.redactor.redact(String(err)) }, `could not check for backups left running by a stopped process: ${this.ports.redactor.redact(String(err))}`);
          return 0;
        },
      ),
    );
  }

  /**
   * Stops the cron, then waits for running backups (scheduled and /backup now) so the store is not
   * closed under them; after `graceMs` they are stopped and their records marked failed, which
   * `abortWaitMs` bounds. With a deadline (the background workers' stop) and no explicit bounds,
   * the bounds are cut from the time left (CLEAN_UP_GRACE_MS).
   */
  async stop(opts: Partial<StopBy> & { graceMs?: number; abortWaitMs?: number } = {}): Promise<void> {
    this.slots.cancel();
    const left = opts.deadline === undefined ? undefined : msLeft(opts.deadline);
    const graceMs = opts.graceMs ?? (left === undefined ? SHUTDOWN_GRACE_MS : Math.min(CLEAN_UP_GRACE_MS, Math.floor(left * 0.4)));
    const abortWaitMs = opts.abortWaitMs ?? (left === undefined ? SHUTDOWN_ABORT_WAIT_MS : Math.max(0, left - graceMs - Math.min(MARK_FAILED_MS, Math.floor(left * 0.2))));
    await stopBackupJobs(this.ports, { graceMs, abortWaitMs });
  }

  /** In view of shutdown (stop() waits for it); without a backups port there is nothing to wait for. */
  private track<T>(work: Promise<T>): Promise<T> {
    return this.ports.backups ? this.ports.backups.jobs.track(work) : work;
  }

  /** Runs one slot of one target if this replica wins the slot. Never throws. */
  fire(target: string, when: Date): Promise<SlotOutcome> {
    return this.track(this.fireSlot(target, when));
  }

  /** Runs one verify_schedule slot of one target if this replica wins it. Never throws. */
  fireVerify(target: string, when: Date): Promise<VerifySlotOutcome | 'not-elected'> {
    return this.track(this.fireVerifySlot(target, when));
  }

  private async fireVerifySlot(target: string, when: Date): Promise<VerifySlotOutcome | 'not-elected'> {
    const slot = new Date(Math.floor(when.getTime() / 1000) * 1000).toISOString();
    if (this.ports.backups?.jobs.stopping) return 'stopping';
    try {
      if (!(await this.ports.coordination.claimOnce(`schedule:backup-verify:${target}:${slot}`, SLOT_CLAIM_TTL_MS))) return 'not-elected';
      return await runScheduledVerify(this.config, this.ports, target, slot, SCHEDULER_ACTOR);
    } catch (err) {
      const message = this.ports.redactor.redact((err as Error).message);
      this.ports.logger.error({ target, slot, err: message }, `scheduled test restore of ${target} could not run: ${message}`);
      return 'failed';
    }
  }

  private async fireSlot(target: string, when: Date): Promise<SlotOutcome> {
    // The slot is the scheduled time to the second: the same on every replica whatever its delay.
    const slot = new Date(Math.floor(when.getTime() / 1000) * 1000).toISOString();
    // Not claimed while stopping, so another replica can still take the slot.
    if (this.ports.backups?.jobs.stopping) return 'stopping';
    try {
      const elected = await this.ports.coordination.claimOnce(`schedule:backup:${target}:${slot}`, SLOT_CLAIM_TTL_MS);
      if (!elected) return 'not-elected';
      return await this.runSlot(target, slot);
    } catch (err) {
      const message = this.ports.redactor.redact((err as Error).message);
      this.ports.logger.error({ target, slot, err: message }, `scheduled backup of ${target} could not run: ${message}`);
      await this.report(target, slot, `The scheduled backup of ${target} (${slot}) could not run: ${message}`).catch(() => {});
      return 'failed';
    }
  }

  private async runSlot(target: string, slot: string): Promise<SlotOutcome> {
    const invocationId = randomUUID();
    const job = await runBackupJob(this.config, this.ports, { target, trigger: `schedule:${slot}`, requestedBy: SCHEDULER_ACTOR.name, actor: SCHEDULER_ACTOR, invocationId });
    const base = { invocationId, kind: 'backup.scheduled' as const, actor: SCHEDULER_ACTOR, command: 'backup', text: `scheduled backup of ${target} (${slot})` };
    // It passes no authority: the system's own jobs have no role to lack.
    if (job.kind === 'refused') throw new Error('a scheduled backup has no role to refuse it');
    if (job.kind === 'slot-taken') return 'slot-taken';
    if (job.kind === 'stopping') return 'stopping';
    if (job.kind === 'unavailable') {
      await this.ports.timeline.record({ ...base, outcome: 'failed', output: job.message });
      await this.report(target, slot, job.message);
      return 'unavailable';
    }
    if (job.kind === 'busy') {
      const msg = `${job.heldBy.description} was already running (${startedBy(job.heldBy)}), so the scheduled slot ${slot} was skipped.`;
      this.ports.logger.warn({ target, slot }, msg);
      await this.ports.timeline.record({ ...base, outcome: 'skipped', output: msg });
      // A skipped slot means no backup this time: the people who watch failures should know.
      await reportBackupProblem(this.config, this.ports, { kind: 'skipped', target, title: `Scheduled backup of ${target} skipped`, text: msg, context: slotContext(target, slot) }, new Date(slot));
      return 'busy';
    }
    if (job.kind === 'interrupted') {
      await this.ports.timeline.record({ ...base, outcome: 'interrupted', output: job.message, detail: { slot, interrupted: 'shutdown', ...(job.record ? { backup: job.record.id } : {}) } });
      await this.report(target, slot, job.message);
      return 'interrupted';
    }
    const { record, result } = job;
    const redactor = this.ports.redactor;
    await this.ports.timeline.record({
      ...base,
      argv: redactor.redactArgv(result.argv),
      exitCode: result.exitCode,
      outcome: result.ok ? 'ok' : 'failed',
      output: redactor.redact(result.ok ? `${record.location} sha256 ${result.sha256}` : `${result.problem ?? ''}\n${result.stderr}`.trim()),
      durationMs: result.durationMs,
      detail: { backup: record.id, slot, location: record.location ?? '', sizeBytes: result.sizeBytes },
    });
    if (!result.ok) {
      await this.report(target, slot, `Backup ${record.id} of ${target} failed: ${redactor.redact(result.problem ?? 'unknown error')}. No backup was recorded for this slot.`);
      return 'failed';
    }
    this.ports.logger.info({ target, slot, backup: record.id, bytes: result.sizeBytes }, `scheduled backup of ${target}: ${formatBytes(result.sizeBytes)} in ${duration(result.durationMs, 'elapsed')}`);
    return 'ran';
  }

  /** A failed scheduled backup goes into the day's report in the incidents channel (backups/backup-report.ts). */
  private report(target: string, slot: string, text: string): Promise<void> {
    return reportBackupProblem(this.config, this.ports, { kind: 'failed', target, title: `Scheduled backup of ${target} failed`, text, context: slotContext(target, slot) }, new Date(slot));
  }
}

function slotContext(target: string, slot: string): string {
  return `Slot ${slot} · /backup list shows recent backups; /backup now ${target} retries`;
}
