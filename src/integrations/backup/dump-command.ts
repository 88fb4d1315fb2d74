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
export function dumpCommand(target: BackupTargetConfig): DumpCommand {
  if (target.type === 'command') return { argv: [...target.argv], env: {} };
  const conn = pgConnection(target.url);
  const argv =
    target.format === 'custom'
      ? ['pg_dump', '--format=custom', '--compress=0', '--no-owner', '--no-privileges', `--dbname=${conn.url}`]
      : ['pg_dump', '--format=plain', '--clean', '--if-exists', '--no-owner', '--no-privileges', `--dbname=${conn.url}`];
  return { argv, env: conn.env };
}

export function restoreCommand(target: BackupTargetConfig): DumpCommand | null {
  if (target.type !== 'postgres') return null;
  const conn = pgConnection(target.restore_url ?? target.url);
  const argv =
    target.format === 'custom'
      ? ['pg_restore', '--single-transaction', '--exit-on-error', '--clean', '--if-exists', '--no-owner', '--no-privileges', `--dbname=${conn.url}`]
      : ['psql', '--no-psqlrc', '--quiet', '-v', 'ON_ERROR_STOP=1', `--dbname=${conn.url}`];
  // psql --single-transaction commits at the end of its input, even an input cut short because
  // Firebreak died mid-feed. With our own BEGIN, only the COMMIT we write after the whole file
  // commits; input that ends early ends the session, and the server rolls the transaction back.
  return target.format === 'custom' ? { argv, env: conn.env } : { argv, env: conn.env, wrap: { before: 'BEGIN;\n', after: '\nCOMMIT;\n' } };
}

export function fileExtension(target: BackupTargetConfig): string {
  if (target.type === 'command') return `${target.extension}.gz`;
  return target.format === 'custom' ? 'dump.gz' : 'sql.gz';
}
