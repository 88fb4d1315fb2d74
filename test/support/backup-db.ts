import pg from 'pg';

/** Seeds a database with a few tables of varied types, so a restore has something to get right. */
export async function seedDatabase(url: string, rows = 3000): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`
      CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, email text, created_at timestamptz NOT NULL);
      CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id integer REFERENCES customers(id), total numeric(10,2), items jsonb, note text);
      CREATE SCHEMA audit;
      CREATE TABLE audit.log (id serial PRIMARY KEY, line text);
      INSERT INTO customers SELECT g, 'customer ' || g, 'c' || g || '@example.com', timestamptz '2026-01-01' + g * interval '1 minute' FROM generate_series(1, ${rows}) g;
      INSERT INTO orders (customer_id, total, items, note)
        SELECT 1 + g % ${rows}, (g * 7 % 1000) / 10.0, jsonb_build_object('sku', 'sku-' || g, 'qty', g % 5), CASE WHEN g % 3 = 0 THEN E'tab\\there, quote '' and newline\\n' END
        FROM generate_series(1, ${rows * 2}) g;
      INSERT INTO audit.log (line) SELECT md5(g::text) FROM generate_series(1, 100) g;
    `);
  } finally {
    await c.end();
  }
}

/** Row counts and an md5 over every row of the seeded tables, in key order. */
export async function fingerprint(url: string): Promise<{ counts: Record<string, number>; checksum: string }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const counts: Record<string, number> = {};
    const parts: string[] = [];
    for (const t of ['customers', 'orders', 'audit.log']) {
      const r = await c.query<{ n: string; h: string | null }>(`SELECT count(*) AS n, md5(string_agg(t::text, '|' ORDER BY t.id)) AS h FROM ${t} t`);
      counts[t] = Number(r.rows[0]!.n);
      parts.push(r.rows[0]!.h ?? '');
    }
    return { counts, checksum: parts.join(':') };
  } finally {
    await c.end();
  }
}

export async function tableCount(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ n: string }>(`SELECT count(*) AS n FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')`);
    return Number(r.rows[0]!.n);
  } finally {
    await c.end();
  }
}
