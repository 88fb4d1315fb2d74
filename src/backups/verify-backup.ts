/**
 * /backup verify: a test restore of a backup into the target's scratch database (verify_url), and
 * the row counts found there compared with the ones recorded when the backup was taken (counted in
 * pg_dump's own snapshot). It never touches the target's own database (url, restore_url — the
 * config refuses a verify_url equal to either), so it needs no second person: the `responders`
 * role, like /backup now, and its own lease `backup-verify:TARGET` (one test restore per scratch
 * database at a time; backups and restores of the target go on meanwhile).
 */
import type { FirebreakConfig } from '../config/schema.js';
import type { Refusal } from '../core/authorize.js';
import type { Actor, ChannelRef } from '../core/identity.js';
import type { LeaseInfo } from '../core/ports.js';
import type { Reply } from '../core/reply.js';
import { duration } from '../core/text-format.js';
import type { BackupRecord, RestoreRunResult, TableRows } from './backup-port.js';
import { describeDatabaseUrl, formatTime } from './backup-format.js';
import { configuredTarget } from './backup-targets.js';
import type { BackupsPorts } from './ports.js';

export const VERIFY_ROLE = 'responders';
export const verifyLeaseKey = (target: string) => `backup-verify:${target}`;
/** Renewed every third of it while the test restore runs. */
const VERIFY_LEASE_TTL_MS = 120_000;

export interface VerifyRow {
  table: string;
  atBackup: number | null;
  restored: number | null;
  ok: boolean;
}

/**
 * Every table recorded at backup time, with what the scratch restore holds. A table the restore
 * lacks is a mismatch; a table only the scratch database has was there before (not the backup's)
 * and is left out.
 */
export function compareCounts(recorded: readonly TableRows[], restored: readonly TableRows[]): VerifyRow[] {
  const found = new Map(restored.map((t) => [t.table, t.rows]));
  return recorded.map((t) => {
    const r = found.get(t.table);
    return { table: t.table, atBackup: t.rows, restored: r ?? null, ok: r === t.rows };
  });
}

/** What /backup verify ID|latest would verify, checked before anything runs. */
export type VerifySubject =
  | { ok: true; record: BackupRecord; target: string; scratch: string }
  /** `pending`: "latest" of a verifiable target that has no backup yet (a procedure whose earlier step takes it). */
  | { ok: false; message: string; pending?: { target: string; scratch: string } };

export async function verifySubject(config: FirebreakConfig, ports: BackupsPorts, which: string, targetName: string | undefined): Promise<VerifySubject> {
  const backups = ports.backups;
  if (!backups) return { ok: false, message: 'No backup store is wired in this Firebreak process; nothing was verified.' };
  let record: BackupRecord | null;
  if (which === 'latest') {
    const names = Object.keys(config.backups.targets);
    const name = targetName ?? (names.length === 1 ? names[0] : Object.entries(config.backups.targets).find(([, t]) => t.type === 'postgres' && t.verify_url)?.[0]);
    if (!name || !configuredTarget(config, name)) return { ok: false, message: `Say which target to verify: /backup verify latest TARGET (targets: ${names.join(', ') || 'none'}).` };
    record = (await backups.records.list({ target: name, limit: 50 })).find((r) => r.status === 'complete') ?? null;
    if (!record) {
      const t = configuredTarget(config, name);
      const scratch = t?.type === 'postgres' && !t.restore ? t.verify_url : undefined;
      return { ok: false, message: `${name} has no complete backup to verify yet; take one with /backup now ${name}.`, ...(scratch ? { pending: { target: name, scratch } } : {}) };
    }
  } else {
    record = await backups.records.get(which);
    if (!record) return { ok: false, message: `There is no backup "${which.slice(0, 40)}"; /backup list shows them.` };
    if (targetName !== undefined && targetName !== record.target) return { ok: false, message: `${record.id} is a backup of ${record.target}, not ${targetName.slice(0, 40)}.` };
  }
  const target = configuredTarget(config, record.target);
  if (record.status !== 'complete' || !record.sha256 || !record.location) return { ok: false, message: `${record.id} is ${record.status}, not complete: only complete backups can be verified.` };
  if (!target) return { ok: false, message: `${record.id} is a backup of "${record.target}", which is not in backups.targets any more.` };
  if (target.type !== 'postgres' || target.restore) return { ok: false, message: `${record.target} is not restored by Firebreak's PostgreSQL restore, so its row counts cannot be checked; only postgres targets without a restore: argv can be verified.` };
  if (!target.verify_url) return { ok: false, message: `${record.target} has no verify_url: add backups.targets.${record.target}.verify_url, a scratch database the test restore may overwrite.` };
  if (!record.rowCounts) return { ok: false, message: `${record.id} was taken without row counts (before Firebreak recorded them, or the database refused a snapshot), so there is nothing to compare; verify a newer backup.` };
  return { ok: true, record, target: record.target, scratch: target.verify_url };
}

export type VerifyOutcome =
  | { kind: 'done'; record: BackupRecord; scratch: string; restore: RestoreRunResult; rows: VerifyRow[]; ok: boolean }
  | { kind: 'busy'; heldBy: LeaseInfo }
  | { kind: 'refused'; refusal: Refusal }
  | { kind: 'stopping' }
  | { kind: 'interrupted'; message: string };

/**
 * Runs one test restore as a step of core's step runner (role, lease, shutdown drain) and records
 * it as a `backup.verified` timeline event: counts at backup and restored, per table.
 */
export async function runVerifyJob(
  config: FirebreakConfig,
  ports: BackupsPorts,
  req: {
    subject: Extract<VerifySubject, { ok: true }>;
    actor: Actor;
    invocationId: string;
    channel?: ChannelRef | null;
    incidentId?: string | null;
    /** A person asked: the role they need; absent for the schedule. */
    authority?: { what: string };
    onStage?: (stage: string) => void;
    /** The caller holds `backup-verify:TARGET` already (a procedure run): the job leases only its own id. */
    leaseHeld?: boolean;
  },
): Promise<VerifyOutcome> {
  const { record, scratch } = req.subject;
  const backups = ports.backups!;
  const destination = config.backups.destination!;
  const target = configuredTarget(config, record.target)!;
  const title = `Test restore of ${record.id} (${record.target}) into ${describeDatabaseUrl(scratch)}`;
  const id = `verify-${record.id}-${req.invocationId}`;
  const run = await ports.steps.run<VerifyOutcome, VerifyOutcome>(
    {
      id,
      plan: { title, lease: req.leaseHeld ? `backup-verify-job:${id}` : verifyLeaseKey(record.target), approval: 'none', argv: backups.runner.describeRestore(target, { intoUrl: scratch }) ?? undefined, ...(req.authority ? { role: VERIFY_ROLE } : {}) },
      actor: req.actor,
      ...(req.authority ? { authority: { config, what: req.authority.what } } : {}),
      leaseTtlMs: VERIFY_LEASE_TTL_MS,
      begin: async () => true,
      execute: async () => {
        const restore = await backups.runner.restore({ target, destination, location: record.location!, sha256: record.sha256, intoUrl: scratch, onProgress: req.onStage });
        const rows = restore.ok ? compareCounts(record.rowCounts ?? [], restore.tables) : [];
        return { kind: 'done', record, scratch, restore, rows, ok: restore.ok && rows.every((r) => r.ok) } satisfies VerifyOutcome;
      },
      finish: async (end) => {
        const result: VerifyOutcome =
          end.kind === 'finished'
            ? end.value
            : end.kind === 'threw'
              ? { kind: 'done', record, scratch, rows: [], ok: false, restore: { ok: false, durationMs: end.durationMs, argv: [], exitCode: null, stderr: '', tables: [], problem: ports.redactor.redact(end.error instanceof Error ? end.error.message : String(end.error)) } }
              : { kind: 'interrupted', message: `Interrupted by shutdown: the test restore of ${record.id} was stopped part-way; the scratch database ${describeDatabaseUrl(scratch)} is in an unknown state. Run /backup verify ${record.id} again.` };
        await ports.timeline.recordOrKeep({
          invocationId: req.invocationId,
          incidentId: req.incidentId ?? null,
          channel: req.channel ?? null,
          kind: 'backup.verified',
          actor: req.actor,
          command: 'backup',
          text: title,
          argv: result.kind === 'done' ? ports.redactor.redactArgv(result.restore.argv) : null,
          exitCode: result.kind === 'done' ? result.restore.exitCode : null,
          outcome: result.kind !== 'done' ? 'interrupted' : !result.restore.ok ? 'failed' : result.ok ? 'ok' : 'mismatch',
          output: ports.redactor.redact(result.kind === 'done' ? verifyText(result) : result.kind === 'interrupted' ? result.message : ''),
          durationMs: end.durationMs,
          detail: {
            backup: record.id,
            target: record.target,
            database: describeDatabaseUrl(scratch),
            ...(result.kind === 'done' ? { tables: result.rows.map((r) => ({ table: r.table, atBackup: r.atBackup, restored: r.restored, ok: r.ok })), mismatches: result.rows.filter((r) => !r.ok).length } : {}),
          },
        });
        return result;
      },
    },
    ports,
  );
  switch (run.kind) {
    case 'done':
      return run.result;
    case 'busy':
      return { kind: 'busy', heldBy: run.heldBy };
    case 'refused':
      return { kind: 'refused', refusal: run.refusal };
    case 'stopping':
    case 'not-begun':
      return { kind: 'stopping' };
  }
}

function verifyText(r: Extract<VerifyOutcome, { kind: 'done' }>): string {
  if (!r.restore.ok) return `${r.restore.problem ?? 'the test restore failed'}\n${r.restore.stderr}`.trim();
  return r.rows.map((row) => `${row.table}: ${row.atBackup ?? '—'} at backup, ${row.restored ?? 'missing'} restored${row.ok ? '' : ' MISMATCH'}`).join('\n');
}

/** The card: one row per table (table, at backup, restored, OK/mismatch). */
export function renderVerifyReport(r: Extract<VerifyOutcome, { kind: 'done' }>): Reply {
  const db = describeDatabaseUrl(r.scratch);
  const about = `${r.record.id} of ${r.record.target}, taken ${formatTime(r.record.startedAt)}`;
  if (!r.restore.ok) {
    return { title: `Test restore of ${r.record.id} failed`, status: 'error', text: `${r.restore.problem ?? 'The test restore failed.'} (${about}, into ${db})`, code: r.restore.stderr || undefined };
  }
  const bad = r.rows.filter((row) => !row.ok);
  return {
    title: bad.length === 0
      ? `Backup ${r.record.id} verified: ${r.rows.length} tables, row counts match (test restore in ${duration(r.restore.durationMs, 'elapsed')})`
      : `Backup ${r.record.id} does NOT match: ${bad.length} of ${r.rows.length} tables differ from the counts at backup time`,
    status: bad.length === 0 ? 'ok' : 'error',
    text: `${about}, restored into the scratch database ${db}; checksum verified first.`,
    rows: [{ status: 'info', cells: ['table', 'at backup', 'restored', ''] }, ...r.rows.map((row) => ({ status: row.ok ? ('ok' as const) : ('error' as const), cells: [row.table, String(row.atBackup ?? '—'), row.restored === null ? 'missing' : String(row.restored), row.ok ? 'OK' : 'mismatch'] }))],
    context: bad.length > 0 ? 'The backup does not hold what the database held when it was taken: do not rely on it; take a new one with /backup now and look at how it was made.' : undefined,
  };
}
