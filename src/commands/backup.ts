import { z } from 'zod';
import type { FirebreakConfig } from '../config/schema.js';
import { didYouMean } from '../config/did-you-mean.js';
import type { Outcome } from '../core/outcome.js';
import type { BackupRecord } from '../backups/backup-port.js';
import type { ReplyRow, ReplyStatus } from '../core/reply.js';
import { alreadyRunning, roleDenied } from '../core/authorize.js';
import { defineAppCommand, type AppCommandContext } from '../app/command.js';
import { reportBackupProblem } from '../backups/backup-report.js';
import { backupLeaseKey, configuredTarget } from '../backups/backup-targets.js';
import { runBackupJob } from '../backups/run-backup-job.js';
import { describeDatabaseUrl, describeRecord, formatBytes, formatTime } from '../backups/backup-format.js';
import { cut, duration } from '../core/text-format.js';

const NOW_ROLE = 'responders';
const RESTORE_ROLE = 'admins';
const PROGRESS_EVERY_MS = 2000;

function targetNames(config: FirebreakConfig): string[] {
  return Object.keys(config.backups.targets);
}

function noTargets(ctx: AppCommandContext): Outcome {
  const embedded = ctx.ports.storeDescription.startsWith('embedded');
  return {
    status: 'failed',
    reply: {
      title: 'No backup targets are configured',
      status: 'warning',
      text:
        'Add targets under backups.targets (postgres or command) and a backups.destination (s3 or dir) in the Firebreak config. Nothing was backed up.' +
        (embedded ? ' Firebreak itself runs on its embedded store (no DATABASE_URL), which is not backed up by pg_dump: copy its data directory while Firebreak is stopped, or run it on PostgreSQL and add that database as a target.' : ''),
    },
  };
}

function unknownTarget(config: FirebreakConfig, name: string): Outcome {
  return {
    status: 'invalid',
    reply: { title: 'Unknown backup target', status: 'error', text: `There is no backup target "${cut(name, 40)}".${didYouMean(name, targetNames(config))} Targets: ${targetNames(config).join(', ')}.`, ephemeral: true },
  };
}

/**
 * /backup now runs at once, without a confirmation card: it reads the database and writes a new
 * object, it never overwrites or deletes anything, and the person typing it at 3 a.m. wants it
 * started. It still needs the responders role and takes the target's lease, so two at once are refused.
 */
async function backupNow(ctx: AppCommandContext, requested: string | undefined): Promise<Outcome> {
  const names = targetNames(ctx.config);
  if (names.length === 0) return noTargets(ctx);
  const name = requested ?? names[0]!;
  const target = configuredTarget(ctx.config, name);
  if (!target) return unknownTarget(ctx.config, name);

  let lastProgress = performance.now();
  const job = await runBackupJob(ctx.config, ctx.ports, {
    target: name,
    trigger: 'manual',
    requestedBy: ctx.actor.name,
    actor: ctx.actor,
    invocationId: ctx.invocationId,
    authority: { role: NOW_ROLE, what: '/backup now' },
    onAuthorized: async () => {
      lastProgress = performance.now();
      await ctx.progress({ title: `Backing up ${name}…`, status: 'pending' });
    },
    onProgress: ({ bytes }) => {
      const now = performance.now();
      if (now - lastProgress < PROGRESS_EVERY_MS) return;
      lastProgress = now;
      void ctx.progress({ title: `Backing up ${name}… ${formatBytes(bytes)} gzipped so far`, status: 'pending' }).catch(() => {});
    },
  });
  if (job.kind === 'unavailable' || job.kind === 'stopping') return { status: 'failed', reply: { title: `${name} was not backed up`, status: 'error', text: job.message } };
  if (job.kind === 'refused') return job.refusal;
  if (job.kind === 'busy') return alreadyRunning(job.heldBy, null, { atOnce: true });
  if (job.kind === 'interrupted') {
    return { status: 'failed', recordedAs: 'interrupted', reply: { title: `Interrupted by shutdown: backup of ${name}`, status: 'error', text: job.message }, execution: { argv: ctx.ports.backups?.runner.describe(target) ?? [] } };
  }
  if (job.kind === 'slot-taken') return { status: 'failed', reply: { title: `${name} was not backed up`, status: 'error', text: 'A backup with this id already exists; run the command again.' } };
  const { record, result } = job;
  const execution = { argv: result.argv, exitCode: result.exitCode, durationMs: result.durationMs, output: result.ok ? `sha256 ${result.sha256}, ${result.sizeBytes} bytes` : (result.stderr || result.problem) };
  if (!result.ok) {
    const leftSomething = result.leftBehind === true;
    const problem = (result.problem ?? 'It failed').replace(/([^.!?])$/, '$1.');
    const text = `${problem} No backup was recorded (${record.id} is marked failed)${leftSomething ? '.' : ' and nothing was left at the destination.'}`;
    await reportManualFailure(ctx, name, ctx.ports.redactor.redact(text));
    return {
      status: 'failed',
      reply: { title: `Backup of ${name} failed`, status: 'error', text, code: result.stderr || undefined },
      execution,
    };
  }
  return {
    status: 'ok',
    reply: {
      title: `${name} backed up: ${formatBytes(result.sizeBytes)} gzipped in ${duration(result.durationMs, 'elapsed')}`,
      status: 'ok',
      fields: [
        { label: 'Backup', value: record.id },
        { label: 'Location', value: record.location ?? '' },
        { label: 'sha256', value: result.sha256 },
        { label: 'Size', value: `${formatBytes(result.sizeBytes)} (${result.sizeBytes} bytes)` },
      ],
      context: `Restore with /backup restore ${record.id}`,
    },
    execution,
  };
}

/**
 * A failed /backup now also goes into the day's report in the incidents channel, like a failed
 * scheduled one: the person who typed it may walk away, and the people who watch backups read that
 * channel. Not when it was typed there already. Best effort: the reply where it was typed is what counts.
 */
async function reportManualFailure(ctx: AppCommandContext, target: string, text: string): Promise<void> {
  const incidents = ctx.config.chat.incidents_channel.replace(/^#/, '');
  if (ctx.channel.name?.replace(/^#/, '') === incidents) return;
  await reportBackupProblem(ctx.config, ctx.ports, {
    kind: 'failed',
    target,
    title: `Backup of ${target} failed`,
    text: `${text} (/backup now by ${ctx.actor.name}${ctx.channel.name ? ` in #${ctx.channel.name}` : ''})`,
    context: `/backup list shows recent backups; /backup now ${target} retries`,
  });
}

const statusIcon: Record<BackupRecord['status'], ReplyStatus> = { complete: 'ok', failed: 'error', running: 'pending' };

async function listBackups(ctx: AppCommandContext, requested: string | undefined): Promise<Outcome> {
  const backups = ctx.ports.backups;
  const names = targetNames(ctx.config);
  if (requested !== undefined && !configuredTarget(ctx.config, requested)) return unknownTarget(ctx.config, requested);
  if (!backups) return { status: 'failed', reply: { title: 'Backups are not available', status: 'error', text: 'No backup store is wired in this Firebreak process.' } };
  if (names.length === 0) return noTargets(ctx);
  const rows: ReplyRow[] = [];
  for (const name of requested ? [requested] : names) {
    for (const r of await backups.records.list({ target: name, limit: 10 })) {
      rows.push({
        status: statusIcon[r.status],
        cells: [
          r.id,
          r.target,
          formatTime(r.startedAt),
          r.sizeBytes !== null && r.status === 'complete' ? formatBytes(r.sizeBytes) : '—',
          r.durationMs !== null ? duration(r.durationMs, 'elapsed') : '—',
          r.status,
          r.status === 'failed' ? cut(r.error ?? '', 120) : r.trigger.startsWith('schedule:') ? 'scheduled' : `by ${r.requestedBy}`,
        ],
      });
    }
  }
  if (rows.length === 0) {
    return { status: 'ok', reply: { title: 'No backups yet', status: 'info', text: `No backups of ${(requested ? [requested] : names).join(', ')} have been recorded. Run /backup now to take one.`, ephemeral: true } };
  }
  return {
    status: 'ok',
    reply: {
      title: `Backups (last ${rows.length})`,
      status: 'info',
      rows,
      context: 'Only complete backups can be restored: /backup restore ID (admins, second person confirms).',
      ephemeral: true,
    },
  };
}

async function planRestore(ctx: AppCommandContext, id: string | undefined): Promise<Outcome> {
  if (!id) return { status: 'invalid', reply: { title: '/backup restore needs a backup id', status: 'error', text: 'Usage: /backup restore ID — find the id with /backup list.', ephemeral: true } };
  const backups = ctx.ports.backups;
  if (!backups) return { status: 'failed', reply: { title: 'Backups are not available', status: 'error', text: 'No backup store is wired in this Firebreak process. Nothing was restored.' } };
  // Before the record lookup, although ConfirmationFlow checks plan.role again at the card: the
  // replies below say whether an id exists, its status and its target, which someone who may not
  // restore has no need to learn, and without a plan (unknown or failed id) there is no role to check.
  if (!ctx.hasRole(RESTORE_ROLE)) return roleDenied('/backup restore', RESTORE_ROLE, ctx.actor);
  const record = await backups.records.get(id);
  if (!record) return { status: 'invalid', reply: { title: 'Unknown backup', status: 'error', text: `There is no backup "${cut(id, 40)}". See /backup list.`, ephemeral: true } };
  if (record.status !== 'complete' || !record.sha256 || !record.location) {
    return { status: 'invalid', reply: { title: 'Backup cannot be restored', status: 'error', text: `${record.id} is ${record.status}, not complete: only complete backups can be restored. Nothing was restored.`, ephemeral: true } };
  }
  const target = configuredTarget(ctx.config, record.target);
  if (!target) return { status: 'invalid', reply: { title: 'Target no longer configured', status: 'error', text: `${record.id} is a backup of "${record.target}", which is not in backups.targets any more. Nothing was restored.`, ephemeral: true } };
  if (target.type !== 'postgres') {
    return { status: 'invalid', reply: { title: 'Cannot restore from chat', status: 'error', text: `${record.target} is a command target; only postgres targets can be restored from chat. The backup is at ${record.location}.`, ephemeral: true } };
  }
  const database = describeDatabaseUrl(target.restore_url ?? target.url);
  return {
    status: 'confirm',
    plan: {
      action: 'restore',
      payload: { id: record.id },
      title: `Restore ${database} from backup ${record.id} (${formatTime(record.startedAt)})?`,
      fields: [
        { label: 'Target database', value: database },
        { label: 'Backup', value: `${record.id} of ${record.target}` },
        { label: 'Taken', value: formatTime(record.startedAt) },
        { label: 'Size', value: formatBytes(record.sizeBytes ?? 0) },
        { label: 'sha256', value: record.sha256 },
        { label: 'Location', value: record.location },
        { label: 'Effect', value: 'Objects in the backup are dropped and recreated in one transaction; on any error nothing changes.' },
      ],
      argv: backups.runner.describeRestore(target) ?? undefined,
      lease: backupLeaseKey(record.target),
      role: RESTORE_ROLE,
      approval: 'second-person',
      confirmLabel: 'Restore',
    },
  };
}

const restorePayload = z.object({ id: z.string() });

async function executeRestore(ctx: AppCommandContext, payload: unknown): Promise<Outcome> {
  const parsed = restorePayload.safeParse(payload);
  const backups = ctx.ports.backups;
  const destination = ctx.config.backups.destination;
  if (!parsed.success || !backups || !destination) return { status: 'failed', reply: { title: 'Restore not run', status: 'error', text: 'This confirmation does not describe a restore Firebreak can run. Nothing was restored.' } };
  // Re-read: the record may have been deleted by retention between the card and the click.
  const record = await backups.records.get(parsed.data.id);
  const target = record ? configuredTarget(ctx.config, record.target) : undefined;
  if (!record || record.status !== 'complete' || !record.sha256 || !record.location || !target) {
    return { status: 'failed', reply: { title: 'Restore not run', status: 'error', text: `Backup ${parsed.data.id} is no longer a complete backup of a configured target. Nothing was restored.` } };
  }
  const database = target.type === 'postgres' ? describeDatabaseUrl(target.restore_url ?? target.url) : record.target;
  await ctx.record('backup.restore.started', { detail: { backup: record.id, database, sha256: record.sha256 } });
  const r = await backups.runner.restore({
    target,
    destination,
    location: record.location,
    sha256: record.sha256,
    onProgress: (stage) => void ctx.progress({ title: `Restoring ${database} from ${record.id}: ${stage}…`, status: 'pending' }).catch(() => {}),
  });
  const execution = { argv: r.argv, exitCode: r.exitCode, durationMs: r.durationMs, output: r.ok ? r.tables.map((t) => `${t.table}: ${t.rows}`).join('\n') : r.stderr || r.problem };
  if (!r.ok) {
    return { status: 'failed', reply: { title: `Restore of ${database} failed`, status: 'error', text: r.problem, code: r.stderr || undefined, fields: [{ label: 'Backup', value: describeRecord(record) }] }, execution };
  }
  const total = r.tables.reduce((n, t) => n + t.rows, 0);
  return {
    status: 'ok',
    reply: {
      title: `${database} restored from ${record.id} in ${duration(r.durationMs, 'elapsed')}: ${r.tables.length} tables, ${total} rows`,
      status: 'ok',
      text: 'Checksum verified before restoring.',
      rows: r.tables.slice(0, 25).map((t) => ({ status: 'ok' as const, cells: [t.table, `${t.rows} rows`] })),
      context: r.tables.length > 25 ? `…and ${r.tables.length - 25} more tables` : undefined,
    },
    execution,
  };
}

export const backupCommand = defineAppCommand({
  name: 'backup',
  summary: 'Back up a configured database now, list backups, or restore one (admins, second person confirms)',
  usage: '/backup now [TARGET] | /backup list [TARGET] | /backup restore ID',
  subcommands: [
    { name: 'now', summary: 'Back up a target now (default: the first configured)', params: [{ name: 'target', description: 'A backup target from the config', type: 'string', choices: targetNames }] },
    { name: 'list', summary: 'The last backups per target', params: [{ name: 'target', description: 'A backup target from the config', type: 'string', choices: targetNames }] },
    { name: 'restore', summary: 'Restore a complete backup into its target database', params: [{ name: 'id', description: 'Backup id from /backup list', type: 'string', required: true }] },
  ],
  params: [],
  args: z.discriminatedUnion('subcommand', [
    z.object({ subcommand: z.literal('now'), target: z.string().optional() }),
    z.object({ subcommand: z.literal('list'), target: z.string().optional() }),
    z.object({ subcommand: z.literal('restore'), id: z.string({ message: 'a backup id is required' }).regex(/^[A-Za-z0-9_-]{1,64}$/, 'a backup id looks like bk-1a2b3c4d') }),
  ]),
  mutating: true,
  async run(ctx, args) {
    // A procedure step only plans, and /backup now has no plan: it runs at once.
    if (args.subcommand === 'now' && ctx.procedureStep) {
      return { status: 'invalid', reply: { title: '/backup now cannot be a procedure step', status: 'error', text: '/backup now runs at once and cannot be planned as a procedure step yet; take the backup before running the procedure.', ephemeral: true } };
    }
    // Target names are lowercase config keys; `/backup now Postgres` means postgres.
    if (args.subcommand === 'now') return backupNow(ctx, args.target?.toLowerCase());
    if (args.subcommand === 'list') return listBackups(ctx, args.target?.toLowerCase());
    return planRestore(ctx, args.id);
  },
  async execute(ctx, step) {
    if (step.action === 'restore') return executeRestore(ctx, step.payload);
    return { status: 'failed', reply: { title: '/backup: unknown step', status: 'error', text: `This confirmation asks for "${step.action}", which /backup does not do. Nothing was run.` } };
  },
});
