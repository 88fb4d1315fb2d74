import { z } from 'zod';
import type { BackupTargetConfig, FirebreakConfig } from '../config/schema.js';
import { didYouMean } from '../config/did-you-mean.js';
import type { Outcome } from '../core/outcome.js';
import type { BackupRecord } from '../backups/backup-port.js';
import type { ReplyRow, ReplyStatus } from '../core/reply.js';
import { alreadyRunning, roleDenied } from '../core/authorize.js';
import { defineAppCommand, type AppCommandContext } from '../app/command.js';
import { reportBackupProblem } from '../backups/backup-report.js';
import { backupLeaseKey, configuredTarget } from '../backups/backup-targets.js';
import { runBackupJob } from '../backups/run-backup-job.js';
import { dumpFormatOf, isObjectName, recordOf, targetForObject } from '../backups/backup-objects.js';
import { renderVerifyReport, runVerifyJob, VERIFY_ROLE, verifyLeaseKey, verifySubject } from '../backups/verify-backup.js';
import type { RestoreRunResult, StoredObject } from '../backups/backup-port.js';
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
async function backupNow(ctx: AppCommandContext, requested: string | undefined, opts: { execute?: boolean } = {}): Promise<Outcome> {
  const names = targetNames(ctx.config);
  if (names.length === 0) return noTargets(ctx);
  const name = requested ?? names[0]!;
  const target = configuredTarget(ctx.config, name);
  if (!target) return unknownTarget(ctx.config, name);
  // As a procedure step it plans like any mutating command (runbook 001: backup → set image → …):
  // the run then holds backup:TARGET from Confirm to its end and executes this plan once.
  if (ctx.procedureStep && !opts.execute) {
    return {
      status: 'confirm',
      plan: {
        action: 'now',
        payload: { target: name },
        title: `Back up ${name} now`,
        fields: [{ label: 'Target', value: target.type === 'postgres' ? describeDatabaseUrl(target.url) : name }],
        argv: ctx.ports.backups?.runner.describe(target),
        lease: backupLeaseKey(name),
        role: NOW_ROLE,
        confirmLabel: 'Back up',
      },
    };
  }

  let lastProgress = performance.now();
  const job = await runBackupJob(ctx.config, ctx.ports, {
    target: name,
    trigger: 'manual',
    requestedBy: ctx.actor.name,
    actor: ctx.actor,
    invocationId: ctx.invocationId,
    // Executing a plan: its role was checked when it was confirmed, and the confirmation or the
    // procedure run holds the target's lease already.
    ...(opts.execute ? { leaseHeld: true } : { authority: { role: NOW_ROLE, what: '/backup now' } }),
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

const LIST_ALL_ROWS = 50;

/**
 * Everything in the destination, Firebreak's own backups and objects other tools put there (a
 * cron job's postgres_backup_20250103_030000.sql.gz), each marked; with TARGET, Firebreak's
 * backups of other targets are left out (an object Firebreak did not make could be any target's).
 */
async function listObjects(ctx: AppCommandContext, requested: string | undefined): Promise<Outcome> {
  const backups = ctx.ports.backups;
  const destination = ctx.config.backups.destination;
  if (!backups || !destination) return noTargets(ctx);
  let objects: StoredObject[];
  try {
    objects = await backups.runner.listObjects(destination);
  } catch (err) {
    return { status: 'failed', reply: { title: 'Could not list the backup destination', status: 'error', text: `${ctx.ports.redactor.redact((err as Error).message)}.` } };
  }
  const records = await backups.records.list({ limit: 5000 });
  const shown = objects
    .map((o) => ({ o, r: recordOf(o, records) }))
    .filter(({ r }) => requested === undefined || !r || r.target === requested);
  if (shown.length === 0) {
    return { status: 'ok', reply: { title: 'The backup destination is empty', status: 'info', text: `Nothing is stored at ${describeDestination(ctx.config)}${requested ? ` for ${requested}` : ''}.`, ephemeral: true } };
  }
  const foreign = shown.filter(({ r }) => !r).length;
  return {
    status: 'ok',
    reply: {
      title: `Objects in ${describeDestination(ctx.config)} (${shown.length}${shown.length > LIST_ALL_ROWS ? `, newest ${LIST_ALL_ROWS} shown` : ''})`,
      status: 'info',
      rows: shown.slice(0, LIST_ALL_ROWS).map(({ o, r }) => ({
        status: r ? ('ok' as const) : ('info' as const),
        cells: [o.name, formatBytes(o.sizeBytes), formatTime(o.modifiedAt), r ? `Firebreak backup ${r.id} of ${r.target}` : 'not made by Firebreak'],
      })),
      context: `${foreign} not made by Firebreak (no checksum recorded). Restore any of them with /backup restore NAME [TARGET] (admins, second person confirms).`,
      ephemeral: true,
    },
  };
}

function describeDestination(config: FirebreakConfig): string {
  const d = config.backups.destination;
  if (!d) return '(no destination)';
  if ('dir' in d) return d.dir;
  const prefix = d.s3.prefix.replace(/^\/+|\/+$/g, '');
  return `s3://${d.s3.bucket}/${prefix ? `${prefix}/` : ''}`;
}

async function listBackups(ctx: AppCommandContext, requested: string | undefined, all: boolean): Promise<Outcome> {
  const backups = ctx.ports.backups;
  const names = targetNames(ctx.config);
  if (requested !== undefined && !configuredTarget(ctx.config, requested)) return unknownTarget(ctx.config, requested);
  if (!backups) return { status: 'failed', reply: { title: 'Backups are not available', status: 'error', text: 'No backup store is wired in this Firebreak process.' } };
  if (names.length === 0) return noTargets(ctx);
  if (all) return listObjects(ctx, requested);
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

function invalidRestore(title: string, text: string): Outcome {
  return { status: 'invalid', reply: { title, status: 'error', text, ephemeral: true } };
}

async function planRestore(ctx: AppCommandContext, id: string | undefined, requestedTarget: string | undefined): Promise<Outcome> {
  if (!id) return { status: 'invalid', reply: { title: '/backup restore needs a backup id', status: 'error', text: 'Usage: /backup restore ID — find the id with /backup list.', ephemeral: true } };
  const backups = ctx.ports.backups;
  if (!backups) return { status: 'failed', reply: { title: 'Backups are not available', status: 'error', text: 'No backup store is wired in this Firebreak process. Nothing was restored.' } };
  // Before the record lookup, although ConfirmationFlow checks plan.role again at the card: the
  // replies below say whether an id exists, its status and its target, which someone who may not
  // restore has no need to learn, and without a plan (unknown or failed id) there is no role to check.
  if (!ctx.hasRole(RESTORE_ROLE)) return roleDenied('/backup restore', RESTORE_ROLE, ctx.actor);
  let record = await backups.records.get(id);
  if (!record) {
    const destination = ctx.config.backups.destination;
    if (!destination) return noTargets(ctx);
    let object: StoredObject | null;
    try {
      object = await backups.runner.statObject(destination, id);
    } catch (err) {
      return { status: 'failed', reply: { title: 'Could not read the backup destination', status: 'error', text: `${ctx.ports.redactor.redact((err as Error).message)}. Nothing was restored.` } };
    }
    if (!object) return invalidRestore('Unknown backup', `There is no backup or object "${cut(id, 80)}" in ${describeDestination(ctx.config)}; /backup list --all lists what is there.`);
    // Firebreak's own object named by its key: restore it as that backup, checksum and all.
    record = recordOf(object, await backups.records.list({ limit: 5000 })) ?? null;
    if (!record) return planObjectRestore(ctx, object, requestedTarget);
  }
  if (requestedTarget !== undefined && requestedTarget !== record.target) return invalidRestore('Wrong target', `${record.id} is a backup of ${record.target}, so it restores into ${record.target}, not ${cut(requestedTarget, 40)}.`);
  if (record.status !== 'complete' || !record.sha256 || !record.location) {
    return { status: 'invalid', reply: { title: 'Backup cannot be restored', status: 'error', text: `${record.id} is ${record.status}, not complete: only complete backups can be restored. Nothing was restored.`, ephemeral: true } };
  }
  const target = configuredTarget(ctx.config, record.target);
  if (!target) return { status: 'invalid', reply: { title: 'Target no longer configured', status: 'error', text: `${record.id} is a backup of "${record.target}", which is not in backups.targets any more. Nothing was restored.`, ephemeral: true } };
  if (target.type !== 'postgres' && !target.restore) {
    return { status: 'invalid', reply: { title: 'Cannot restore from chat', status: 'error', text: `${record.target} is a command target without a restore: argv, so it cannot be restored from chat. The backup is at ${record.location}.`, ephemeral: true } };
  }
  const database = restoreDestination(record.target, target);
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
        { label: 'Effect', value: restoreEffect(target) },
      ],
      argv: backups.runner.describeRestore(target) ?? undefined,
      lease: backupLeaseKey(record.target),
      role: RESTORE_ROLE,
      approval: 'second-person',
      confirmLabel: 'Restore',
    },
  };
}

/** Where a restore writes, for cards: the database, or the target's name for a `restore:` argv. */
function restoreDestination(name: string, target: BackupTargetConfig): string {
  return target.type === 'postgres' && !target.restore ? describeDatabaseUrl(target.restore_url ?? target.url) : `${name} (its restore: command)`;
}

function restoreEffect(target: BackupTargetConfig): string {
  if (target.restore) return 'The restore: command reads the whole backup (gunzipped) on its stdin; what it does with it is up to that command.';
  return 'Objects in the backup are dropped and recreated in one transaction; on any error nothing changes.';
}

/**
 * A restore of an object Firebreak did not make: it has no record and no recorded checksum, so the
 * card shows its size and modification time (and S3's ETag), execution re-reads them and refuses if
 * the object changed meanwhile, and the sha256 of what was restored is reported.
 */
function planObjectRestore(ctx: AppCommandContext, object: StoredObject, requestedTarget: string | undefined): Outcome {
  const which = targetForObject(ctx.config, object.name, requestedTarget);
  if (!which.ok) return invalidRestore('Which target?', which.message);
  const { name, target } = which;
  const format = target.restore ? null : dumpFormatOf(object.name);
  if (!target.restore && target.type !== 'postgres') return invalidRestore('Cannot restore from chat', `${name} is a command target without a restore: argv, so ${object.name} cannot be restored into it from chat.`);
  if (!target.restore && !format) {
    return invalidRestore('Unknown dump format', `Firebreak cannot tell whether ${cut(object.name, 80)} is a plain SQL dump (.sql, .sql.gz) or a pg_dump custom-format one (.dump, .dump.gz), so it restores nothing; rename it or restore it by hand.`);
  }
  const database = restoreDestination(name, target);
  return {
    status: 'confirm',
    plan: {
      action: 'restore-object',
      payload: { object: object.name, target: name, sizeBytes: object.sizeBytes, modifiedAt: object.modifiedAt.toISOString(), etag: object.etag ?? null, format },
      title: `Restore ${database} from ${object.name} (not made by Firebreak)?`,
      fields: [
        { label: 'Target database', value: database },
        { label: 'Object', value: `${object.name} — not made by Firebreak: no checksum was recorded, so none can be checked; the sha256 of what is restored is reported` },
        { label: 'Location', value: object.location },
        { label: 'Size', value: `${formatBytes(object.sizeBytes)} (${object.sizeBytes} bytes)` },
        { label: 'Modified', value: formatTime(object.modifiedAt) },
        ...(format ? [{ label: 'Format', value: format === 'plain' ? 'plain SQL (psql), from its name' : 'pg_dump custom format (pg_restore), from its name' }] : []),
        { label: 'Effect', value: restoreEffect(target) },
      ],
      argv: ctx.ports.backups?.runner.describeRestore(target, format ? { format } : {}) ?? undefined,
      lease: backupLeaseKey(name),
      role: RESTORE_ROLE,
      approval: 'second-person',
      confirmLabel: 'Restore',
    },
  };
}

const objectPayload = z.object({ object: z.string(), target: z.string(), sizeBytes: z.number(), modifiedAt: z.string(), etag: z.string().nullable(), format: z.enum(['plain', 'custom']).nullable() });

async function executeObjectRestore(ctx: AppCommandContext, payload: unknown): Promise<Outcome> {
  const parsed = objectPayload.safeParse(payload);
  const backups = ctx.ports.backups;
  const destination = ctx.config.backups.destination;
  const nothing = (text: string): Outcome => ({ status: 'failed', reply: { title: 'Restore not run', status: 'error', text: `${text} Nothing was restored.` } });
  if (!parsed.success || !backups || !destination) return nothing('This confirmation does not describe a restore Firebreak can run.');
  const p = parsed.data;
  const target = configuredTarget(ctx.config, p.target);
  if (!target) return nothing(`${p.target} is not a backup target any more.`);
  // Re-read: the card promised this object as it was then; one replaced or removed since is not it.
  const now = await backups.runner.statObject(destination, p.object).catch(() => null);
  if (!now) return nothing(`${p.object} is no longer in ${describeDestination(ctx.config)}.`);
  if (now.sizeBytes !== p.sizeBytes || now.modifiedAt.toISOString() !== p.modifiedAt || (p.etag !== null && now.etag !== p.etag)) {
    return nothing(`${p.object} changed since the card was shown (now ${now.sizeBytes} bytes, modified ${formatTime(now.modifiedAt)}); run /backup restore ${p.object} again to see it.`);
  }
  const database = restoreDestination(p.target, target);
  await ctx.record('backup.restore.started', { detail: { object: p.object, database, location: now.location } });
  const r = await backups.runner.restore({
    target,
    destination,
    location: now.location,
    sha256: null,
    ...(p.format ? { format: p.format } : {}),
    onProgress: (stage) => void ctx.progress({ title: `Restoring ${database} from ${p.object}: ${stage}…`, status: 'pending' }).catch(() => {}),
  });
  return restoreOutcome(database, p.object, r, [{ label: 'Object', value: `${p.object} (not made by Firebreak), sha256 ${r.sha256 ?? '?'}` }], 'No checksum was recorded for this object; the sha256 above is of what was restored.');
}

function restoreOutcome(database: string, from: string, r: RestoreRunResult, about: { label: string; value: string }[], okText: string): Extract<Outcome, { status: 'ok' | 'failed' }> {
  const execution = { argv: r.argv, exitCode: r.exitCode, durationMs: r.durationMs, output: r.ok ? r.tables.map((t) => `${t.table}: ${t.rows}`).join('\n') || `sha256 ${r.sha256 ?? '?'}` : r.stderr || r.problem };
  if (!r.ok) {
    return { status: 'failed', reply: { title: `Restore of ${database} failed`, status: 'error', text: r.problem, code: r.stderr || undefined, fields: about }, execution };
  }
  const total = r.tables.reduce((n, t) => n + t.rows, 0);
  return {
    status: 'ok',
    reply: {
      title: `${database} restored from ${from} in ${duration(r.durationMs, 'elapsed')}${r.tables.length > 0 ? `: ${r.tables.length} tables, ${total} rows` : ''}`,
      status: 'ok',
      text: okText,
      fields: about,
      rows: r.tables.slice(0, 25).map((t) => ({ status: 'ok' as const, cells: [t.table, `${t.rows} rows`] })),
      context: r.tables.length > 25 ? `…and ${r.tables.length - 25} more tables` : undefined,
    },
    execution,
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
  const database = restoreDestination(record.target, target);
  await ctx.record('backup.restore.started', { detail: { backup: record.id, database, sha256: record.sha256 } });
  const r = await backups.runner.restore({
    target,
    destination,
    location: record.location,
    sha256: record.sha256,
    onProgress: (stage) => void ctx.progress({ title: `Restoring ${database} from ${record.id}: ${stage}…`, status: 'pending' }).catch(() => {}),
  });
  // Only the restored rows in the reply: the card the confirmer pressed showed the backup already.
  const out = restoreOutcome(database, record.id, r, [], 'Checksum verified before restoring.');
  if (out.status === 'failed') return { ...out, reply: { ...out.reply, fields: [{ label: 'Backup', value: describeRecord(record) }] } };
  return { ...out, reply: { ...out.reply, fields: undefined } };
}

/**
 * /backup verify ID|latest [TARGET]: a test restore into the target's scratch database. It runs at
 * once, like /backup now (it never writes to the target's own database); as a procedure step it plans.
 */
async function verifyBackup(ctx: AppCommandContext, which: string, requestedTarget: string | undefined, opts: { execute?: boolean } = {}): Promise<Outcome> {
  if (targetNames(ctx.config).length === 0) return noTargets(ctx);
  if (requestedTarget !== undefined && !configuredTarget(ctx.config, requestedTarget)) return unknownTarget(ctx.config, requestedTarget);
  const subject = await verifySubject(ctx.config, ctx.ports, which, requestedTarget);
  // A procedure may take the backup in an earlier step ("/backup now pg" then "/backup verify latest
  // pg"): the step is planned again just before it runs, when the backup exists.
  if (!subject.ok && subject.pending && ctx.procedureStep && !opts.execute) {
    const { target, scratch } = subject.pending;
    return {
      status: 'confirm',
      plan: {
        action: 'verify',
        payload: { id: 'latest', target },
        title: `Test restore of the latest backup of ${target} into ${describeDatabaseUrl(scratch)}`,
        argv: ctx.ports.backups?.runner.describeRestore(configuredTarget(ctx.config, target)!, { intoUrl: scratch }) ?? undefined,
        lease: verifyLeaseKey(target),
        role: VERIFY_ROLE,
        confirmLabel: 'Verify',
      },
    };
  }
  if (!subject.ok) return invalidRestore('Nothing to verify', subject.message);
  const { record, scratch } = subject;
  if (ctx.procedureStep && !opts.execute) {
    return {
      status: 'confirm',
      plan: {
        action: 'verify',
        payload: { id: record.id, target: record.target },
        title: `Test restore of ${record.id} (${record.target}) into ${describeDatabaseUrl(scratch)}`,
        fields: [{ label: 'Backup', value: describeRecord(record) }, { label: 'Scratch database', value: describeDatabaseUrl(scratch) }],
        argv: ctx.ports.backups?.runner.describeRestore(configuredTarget(ctx.config, record.target)!, { intoUrl: scratch }) ?? undefined,
        lease: verifyLeaseKey(record.target),
        role: VERIFY_ROLE,
        confirmLabel: 'Verify',
      },
    };
  }
  const r = await runVerifyJob(ctx.config, ctx.ports, {
    subject,
    actor: ctx.actor,
    invocationId: ctx.invocationId,
    channel: ctx.channel,
    incidentId: ctx.incidentId ?? null,
    ...(opts.execute ? { leaseHeld: true } : { authority: { what: '/backup verify' } }),
    onStage: (stage) => void ctx.progress({ title: `Verifying ${record.id}: ${stage}…`, status: 'pending' }).catch(() => {}),
  });
  if (r.kind === 'refused') return r.refusal;
  if (r.kind === 'busy') return alreadyRunning(r.heldBy, null, { atOnce: true });
  if (r.kind === 'stopping') return { status: 'failed', reply: { title: `${record.id} was not verified`, status: 'error', text: 'Firebreak is shutting down, so the test restore was not started.' } };
  if (r.kind === 'interrupted') return { status: 'failed', recordedAs: 'interrupted', reply: { title: `Interrupted by shutdown: verify of ${record.id}`, status: 'error', text: r.message } };
  return {
    status: r.ok ? 'ok' : 'failed',
    reply: renderVerifyReport(r),
    execution: { argv: r.restore.argv, exitCode: r.restore.exitCode, durationMs: r.restore.durationMs, output: r.rows.map((row) => `${row.table}: ${row.atBackup} at backup, ${row.restored ?? 'missing'} restored`).join('\n') || r.restore.problem },
    // A test restore into a scratch database is not what mitigated an incident.
    detail: { readOnly: true, backup: record.id, mismatches: r.rows.filter((row) => !row.ok).length },
  };
}

const truthy = z.union([z.boolean(), z.enum(['true', 'false'])]).optional();
const targetArg = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a target is a name from backups.targets').optional();
const nowPayload = z.object({ target: z.string() });
const verifyPayload = z.object({ id: z.string(), target: z.string().optional() });

export const backupCommand = defineAppCommand({
  name: 'backup',
  summary: 'Back up a configured database now, list backups, restore one (admins, second person confirms), or test-restore one',
  usage: '/backup now [TARGET] | /backup list [TARGET] [--all] | /backup restore ID|OBJECT [TARGET] | /backup verify ID|latest [TARGET]',
  subcommands: [
    { name: 'now', summary: 'Back up a target now (default: the first configured)', params: [{ name: 'target', description: 'A backup target from the config', type: 'string', choices: targetNames }] },
    {
      name: 'list',
      summary: 'The last backups per target; --all: every object in the destination',
      params: [
        { name: 'target', description: 'A backup target from the config', type: 'string', choices: targetNames },
        { name: 'all', description: 'Every object in the destination, marked when Firebreak did not make it', type: 'boolean' },
      ],
    },
    {
      name: 'restore',
      summary: 'Restore a complete backup, or an object already in the destination, into its target',
      params: [
        { name: 'id', description: 'Backup id from /backup list, or an object name from /backup list --all', type: 'string', required: true },
        { name: 'target', description: 'The target an object restores into (when the config has several)', type: 'string', choices: targetNames },
      ],
    },
    {
      name: 'verify',
      summary: "Test-restore a backup into the target's scratch database (verify_url) and compare row counts",
      params: [
        { name: 'id', description: 'Backup id from /backup list, or latest', type: 'string', required: true },
        { name: 'target', description: 'The target whose latest backup to verify', type: 'string', choices: targetNames },
      ],
    },
  ],
  params: [],
  args: z.discriminatedUnion('subcommand', [
    z.object({ subcommand: z.literal('now'), target: z.string().optional() }),
    z.object({ subcommand: z.literal('list'), target: z.string().optional(), all: truthy }),
    z.object({
      subcommand: z.literal('restore'),
      id: z.string({ message: 'a backup id or object name is required' }).refine(isObjectName, 'a backup id looks like bk-1a2b3c4d, an object name like postgres_backup_20250103_030000.sql.gz (no "..", no spaces)'),
      target: targetArg,
    }),
    z.object({ subcommand: z.literal('verify'), id: z.string({ message: 'a backup id or latest is required' }).regex(/^[A-Za-z0-9_-]{1,64}$/, 'say a backup id like bk-1a2b3c4d, or latest'), target: targetArg }),
  ]),
  mutating: true,
  async run(ctx, args) {
    // Target names are lowercase config keys; `/backup now Postgres` means postgres.
    if (args.subcommand === 'now') return backupNow(ctx, args.target?.toLowerCase());
    if (args.subcommand === 'list') return listBackups(ctx, args.target?.toLowerCase(), args.all === true || args.all === 'true');
    if (args.subcommand === 'verify') return verifyBackup(ctx, args.id, args.target?.toLowerCase());
    return planRestore(ctx, args.id, args.target?.toLowerCase());
  },
  async execute(ctx, step) {
    if (step.action === 'restore') return executeRestore(ctx, step.payload);
    if (step.action === 'restore-object') return executeObjectRestore(ctx, step.payload);
    if (step.action === 'now') {
      const p = nowPayload.safeParse(step.payload);
      if (p.success) return backupNow(ctx, p.data.target, { execute: true });
    }
    if (step.action === 'verify') {
      const p = verifyPayload.safeParse(step.payload);
      if (p.success) return verifyBackup(ctx, p.data.id, p.data.target, { execute: true });
    }
    return { status: 'failed', reply: { title: '/backup: unknown step', status: 'error', text: `This confirmation asks for "${step.action}", which /backup does not do. Nothing was run.` } };
  },
});
