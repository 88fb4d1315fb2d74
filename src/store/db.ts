/** The store's only view of a database: the same for PostgreSQL (pg pool) and embedded PGlite. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Where it is, without credentials: "embedded (./.firebreak/pgdata)" or "127.0.0.1:5432/firebreak". */
  readonly description: string;
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Embedded store only: parses and analyses these statements now (nothing runs, nothing is
   * written), so their first run does not. Resolves to how many were prepared.
   */
  prepare?(statements: readonly string[]): Promise<number>;
  close(): Promise<void>;
}
