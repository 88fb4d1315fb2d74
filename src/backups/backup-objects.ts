/**
 * Objects in the destination that Firebreak did not make (the runbook's
 * postgres_backup_20250103_030000.sql.gz, copied there by a cron job): how they are named, which
 * target they restore into and in which format.
 */
import type { BackupTargetConfig, FirebreakConfig } from '../config/schema.js';
import type { BackupRecord, StoredObject } from './backup-port.js';
import { configuredTarget } from './backup-targets.js';

/**
 * A name /backup restore accepts: a key relative to the destination, without "..", a leading "/"
 * or characters a shell or a chat client would mangle. (The id of a Firebreak backup is one too.)
 */
export function isObjectName(name: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9._\/+=-]{0,299}$/.test(name) && !name.split('/').some((part) => part === '..' || part === '.' || part === '');
}

/** The dump format a name says, for the built-in PostgreSQL restore: .sql(.gz) is psql's, .dump/.backup(.gz) pg_restore's. */
export function dumpFormatOf(name: string): 'plain' | 'custom' | null {
  const base = name.replace(/\.gz$/i, '').toLowerCase();
  if (base.endsWith('.sql')) return 'plain';
  if (base.endsWith('.dump') || base.endsWith('.backup') || base.endsWith('.pgdump')) return 'custom';
  return null;
}

/** The complete Firebreak backup an object belongs to, if any. */
export function recordOf(object: StoredObject, records: readonly BackupRecord[]): BackupRecord | undefined {
  return records.find((r) => r.location === object.location && r.status === 'complete');
}

export type ObjectTarget = { ok: true; name: string; target: BackupTargetConfig } | { ok: false; message: string };

/**
 * Which target an object restores into: the one named, else the one its key starts with
 * ("postgres/…", as Firebreak names its own), else the only target there is.
 */
export function targetForObject(config: FirebreakConfig, objectName: string, requested: string | undefined): ObjectTarget {
  const names = Object.keys(config.backups.targets);
  if (requested !== undefined) {
    const t = configuredTarget(config, requested);
    return t ? { ok: true, name: requested, target: t } : { ok: false, message: `There is no backup target "${requested.slice(0, 40)}"; targets: ${names.join(', ')}.` };
  }
  const first = objectName.split('/')[0]!;
  const byPrefix = objectName.includes('/') ? configuredTarget(config, first) : undefined;
  if (byPrefix) return { ok: true, name: first, target: byPrefix };
  if (names.length === 1) return { ok: true, name: names[0]!, target: configuredTarget(config, names[0]!)! };
  return { ok: false, message: `Say which target ${objectName} restores into: /backup restore ${objectName} TARGET (targets: ${names.join(', ')}).` };
}
