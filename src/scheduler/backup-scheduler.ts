import { randomUUID } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import type { FirebreakConfig } from '../config/schema.js';
import type { ChatPlatformPort } from '../core/chat-port.js';
import type { Actor } from '../core/identity.js';
import type { Reply } from '../core/reply.js';
import type { Ports } from '../core/services.js';
import { applyRetention, runBackupJob } from '../commands/backup-jobs.js';
import { formatBytes, formatDuration } from '../commands/backup-format.js';

export const SCHEDULER_ACTOR: Actor = { platform: 'system', id: 'scheduler', name: 'scheduler' };

/** A slot key outlives any clock skew between replicas; one key per target and slot, so it stays small. */
const SLOT_CLAIM_TTL_MS = 6 * 3600_000;

export type SlotOutcome = 'ran' | 'failed' | 'not-elected' | 'busy' | 'slot-taken' | 'unavailable';

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
export class BackupScheduler {
  private readonly tasks: ScheduledTask[] = [];

  constructor(
    private readonly config: FirebreakConfig,
    private readonly ports: Ports,
    private readonly chat: readonly ChatPlatformPort[] = [],
  ) {}

  start(): string[] {
    const started: string[] = [];
    for (const name of Object.keys(this.config.backups.targets)) {
      const expr = scheduleFor(this.config, name);
      if (!expr) continue;
      if (!cron.validate(expr)) {
        this.ports.logger.error({ target: name, schedule: expr }, `backups.targets.${name}: schedule "${expr}" is not a valid cron expression; ${name} will not be backed up on a schedule`);
        continue;
      }
      const task = cron.schedule(
        expr,
        async (ctx) => {
          await this.fire(name, ctx.date);
        },
        { timezone: 'UTC', name: `backup:${name}` },
      );
      this.tasks.push(task);
      started.push(name);
    }
    if (started.length > 0) this.ports.logger.info({ targets: started }, `scheduled backups: ${started.join(', ')}`);
    return started;
  }

  async stop(): Promise<void> {
    for (const t of this.tasks.splice(0)) await t.destroy();
  }

  /** Runs one slot of one target if this replica wins the slot. Never throws. */
  async fire(target: string, when: Date): Promise<SlotOutcome> {
    // The slot is the scheduled time to the second: the same on every replica whatever its delay.
    const slot = new Date(Math.floor(when.getTime() / 1000) * 1000).toISOString();
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
    const job = await runBackupJob(this.config, this.ports, { target, trigger: `schedule:${slot}`, requestedBy: SCHEDULER_ACTOR.name });
    const base = { invocationId, kind: 'backup.scheduled', actor: SCHEDULER_ACTOR, command: 'backup', text: `scheduled backup of ${target} (${slot})` };
    if (job.kind === 'slot-taken') return 'slot-taken';
    if (job.kind === 'unavailable') {
      await this.ports.timeline.append({ ...base, outcome: 'failed', output: job.message });
      await this.report(target, slot, job.message);
      return 'unavailable';
    }
    if (job.kind === 'busy') {
      const msg = `${job.heldBy.description} was already running (started by ${job.heldBy.actorName} at ${job.heldBy.acquiredAt.toISOString()}), so the scheduled slot ${slot} was skipped.`;
      this.ports.logger.warn({ target, slot }, msg);
      await this.ports.timeline.append({ ...base, outcome: 'skipped', output: msg });
      return 'busy';
    }
    const { record, result } = job;
    const redactor = this.ports.redactor;
    await this.ports.timeline.append({
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
    this.ports.logger.info({ target, slot, backup: record.id, bytes: result.sizeBytes }, `scheduled backup of ${target}: ${formatBytes(result.sizeBytes)} in ${formatDuration(result.durationMs)}`);
    // Retention only after a successful backup: while backups fail, the old ones are all there is.
    const kept = await applyRetention(this.config, this.ports, target);
    for (const r of kept.deleted) {
      await this.ports.timeline.append({ invocationId, kind: 'backup.expired', actor: SCHEDULER_ACTOR, command: 'backup', text: `deleted ${r.id} of ${target} (older than ${this.config.backups.retention_days} days)`, outcome: 'ok', detail: { backup: r.id, location: r.location ?? '' } });
    }
    if (kept.problems.length > 0) this.ports.logger.warn({ target, problems: kept.problems }, `retention of ${target} could not delete some backups`);
    return 'ran';
  }

  /** A failed scheduled backup goes to the incidents channel; without a chat platform, to the log. */
  private async report(target: string, slot: string, text: string): Promise<void> {
    const reply: Reply = { title: `Scheduled backup of ${target} failed`, status: 'error', text, context: `Slot ${slot} · /backup list shows recent backups; /backup now ${target} retries` };
    const channel = this.config.chat.incidents_channel;
    if (this.chat.length === 0) {
      this.ports.logger.error({ target, slot, channel }, `BACKUP FAILED (no chat platform to report it in #${channel}): ${text}`);
      return;
    }
    for (const platform of this.chat) {
      await platform.postMessage({ name: channel }, reply).catch((err: unknown) =>
        this.ports.logger.error({ target, platform: platform.platform, err: this.ports.redactor.redact(String(err)) }, `could not report the failed backup of ${target} in #${channel}: ${text}`),
      );
    }
  }
}
