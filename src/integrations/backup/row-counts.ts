import pg from 'pg';

/** Exact row counts of every user table, so a restore reports what it brought back. */
export async function rowCounts(url: string): Promise<{ table: string; rows: number }[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // The database being counted may restart (it was just restored). A query that is running fails
  // with the reason; a drop between queries is only an 'error' event, which unheard ends the process.
  client.on('error', () => {});
  await client.connect();
  try {
    const tables = await client.query<{ schema: string; name: string }>(
      `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
       WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
       ORDER BY 1, 2`,
    );
    const out: { table: string; rows: number }[] = [];
    for (const t of tables.rows) {
      const ident = `${client.escapeIdentifier(t.schema)}.${client.escapeIdentifier(t.name)}`;
      const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${ident}`);
      out.push({ table: t.schema === 'public' ? t.name : `${t.schema}.${t.name}`, rows: Number(r.rows[0]?.n ?? 0) });
    }
    return out;
  } finally {
    await client.end().catch(() => {});
  }
}
