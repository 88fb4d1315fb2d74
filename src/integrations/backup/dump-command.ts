import type { BackupTargetConfig } from '../../config/schema.js';
import { pgConnection } from './pg-connection.js';

export interface DumpCommand {
  argv: string[];
  env: Record<string, string>;
  /** Written to the tool's input before and after the backup itself. */
  wrap?: { before: string; after: string };
}

/**
 * The command whose stdout is the backup. pg_dump's own compression is off (-Z 0) because the
 * stream is gzipped once on the way, whichever format; --no-owner so a restore works into a
 * database owned by someone else.
 */
export function dumpCommand(target: BackupTargetConfig, snapshot?: string): DumpCommand {
  if (target.type === 'command') return { argv: [...target.argv], env: {} };
  const conn = pgConnection(target.url);
  // --snapshot: the one Firebreak exported and counted rows in, so the recorded counts are the dump's.
  const snap = snapshot ? [`--snapshot=${snapshot}`] : [];
  const argv =
    target.format === 'custom'
      ? ['pg_dump', '--format=custom', '--compress=0', '--no-owner', '--no-privileges', ...snap, `--dbname=${conn.url}`]
      : ['pg_dump', '--format=plain', '--clean', '--if-exists', '--no-owner', '--no-privileges', ...snap, `--dbname=${conn.url}`];
  return { argv, env: conn.env };
}

/**
 * The command that reads the backup (gunzipped) on stdin: the target's own `restore:` argv, else
 * psql or pg_restore into restore_url (or `intoUrl`, a verify's scratch database) in the dump's
 * format (`format` for an object Firebreak did not make). Null when the target cannot be restored.
 */
export function restoreCommand(target: BackupTargetConfig, opts: { format?: 'custom' | 'plain'; intoUrl?: string } = {}): DumpCommand | null {
  if (target.restore) return { argv: [...target.restore], env: {} };
  if (target.type !== 'postgres') return null;
  const conn = pgConnection(opts.intoUrl ?? target.restore_url ?? target.url);
  const format = opts.format ?? target.format;
  const argv =
    format === 'custom'
      ? ['pg_restore', '--single-transaction', '--exit-on-error', '--clean', '--if-exists', '--no-owner', '--no-privileges', `--dbname=${conn.url}`]
      : ['psql', '--no-psqlrc', '--quiet', '-v', 'ON_ERROR_STOP=1', `--dbname=${conn.url}`];
  // psql --single-transaction commits at the end of its input, even an input cut short because
  // Firebreak died mid-feed. With our own BEGIN, only the COMMIT we write after the whole file
  // commits; input that ends early ends the session, and the server rolls the transaction back.
  return format === 'custom' ? { argv, env: conn.env } : { argv, env: conn.env, wrap: { before: 'BEGIN;\n', after: '\nCOMMIT;\n' } };
}

export function fileExtension(target: BackupTargetConfig): string {
  if (target.type === 'command') return `${target.extension}.gz`;
  return target.format === 'custom' ? 'dump.gz' : 'sql.gz';
}
