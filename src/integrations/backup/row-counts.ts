import pg from 'pg';
import type { TableRows } from '../../backups/backup-port.js';

/** Exact row counts of every user table, on a connected client (inside its transaction, if any). */
async function countTables(client: pg.Client): Promise<TableRows[]> {
  const tables = await client.query<{ schema: string; name: string }>(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
     ORDER BY 1, 2`,
  );
  const out: TableRows[] = [];
  for (const t of tables.rows) {
    const ident = `${client.escapeIdentifier(t.schema)}.${client.escapeIdentifier(t.name)}`;
    const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${ident}`);
    out.push({ table: t.schema === 'public' ? t.name : `${t.schema}.${t.name}`, rows: Number(r.rows[0]?.n ?? 0) });
  }
  return out;
}

function client(url: string): pg.Client {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // The database being counted may restart (it was just restored). A query that is running fails
  // with the reason; a drop between queries is only an 'error' event, which unheard ends the process.
  c.on('error', () => {});
  return c;
}

/** Exact row counts of every user table, so a restore reports what it brought back. */
export async function rowCounts(url: string): Promise<TableRows[]> {
  const c = client(url);
  await c.connect();
  try {
    return await countTables(c);
  } finally {
    await c.end().catch(() => {});
  }
}

/** A snapshot pg_dump reads with --snapshot, and the row counts of that same snapshot. */
export interface CountedSnapshot {
  id: string;
  /** Settles with the counts, or undefined when counting failed (the backup still counts). */
  counts: Promise<TableRows[] | undefined>;
  /** Ends the exporting transaction: only after pg_dump has finished (it imports the snapshot at its start). */
  close(): Promise<void>;
}

/**
 * Exports a snapshot (REPEATABLE READ, read only) and starts counting in it at once. Counting
 * beside the dump rather than before or after it is what makes the counts the dump's: rows written
 * meanwhile are in neither. Null when the database refuses (the dump then runs without one).
 */
export async function countedSnapshot(url: string): Promise<CountedSnapshot | null> {
  const c = client(url);
  try {
    await c.connect();
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const r = await c.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
    const id = r.rows[0]?.id;
    if (!id) throw new Error('no snapshot id');
    const counts = countTables(c).catch(() => undefined);
    return {
      id,
      counts,
      async close() {
        await counts;
        await c.query('COMMIT').catch(() => {});
        await c.end().catch(() => {});
      },
    };
  } catch {
    await c.end().catch(() => {});
    return null;
  }
}
