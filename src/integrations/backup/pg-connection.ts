/**
 * pg_dump, psql and pg_restore take the database as a URL; a password in it would show in `ps`
 * and in the timeline, so it travels in PGPASSWORD and the argv gets the URL without it.
 */
export interface PgConnection {
  /** The URL without a password: safe for argv. */
  url: string;
  env: Record<string, string>;
}

export function pgConnection(url: string): PgConnection {
  const u = new URL(url);
  const env: Record<string, string> = {};
  if (u.password) {
    env.PGPASSWORD = decodeURIComponent(u.password);
    u.password = '';
  }
  return { url: u.toString(), env };
}

/** host:port/db, for cards. */
export function describeDatabase(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparseable database URL)';
  }
}
