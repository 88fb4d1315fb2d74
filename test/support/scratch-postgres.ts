import { execa } from 'execa';
import { appendFileSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './alertmanager.js';

/**
 * A PostgreSQL cluster of a test's own: initdb into a temp dir, its own port on 127.0.0.1, started
 * and stopped with pg_ctl. For tests that stop the database under a running Firebreak: the
 * machine's shared cluster on 5432 is never touched (other tests and agents use it).
 *
 * The binaries are those of PG_BIN_DIR, else the newest /usr/lib/postgresql/N/bin (Debian's
 * layout). PostgreSQL refuses to run as root, so as root initdb, pg_ctl and the server run as the
 * `postgres` OS account (the Debian package makes it), in a directory handed to it.
 */
export interface ScratchCluster {
  port: number;
  /** postgres://postgres@127.0.0.1:PORT/DB (trust authentication). */
  url(db?: string): string;
  /** pg_ctl start -w: returns once it accepts connections. */
  start(): Promise<void>;
  /** pg_ctl stop -m fast: every connection is cut, as in a restart or a failover. */
  stop(): Promise<void>;
  /** Whether the server is up, by pg_ctl status. */
  running(): Promise<boolean>;
  /** The server's log, for a failing test's message. */
  log(): string;
  /** Stops it (immediate) and removes its files. */
  destroy(): Promise<void>;
}

export function postgresBinDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('no PostgreSQL server binaries (initdb) under /usr/lib/postgresql; install postgresql or set PG_BIN_DIR');
  return join(root, newest, 'bin');
}

/** uid/gid to run the server as: ours, or the postgres account when we are root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!passwd) throw new Error('running as root, and there is no postgres account to run a scratch PostgreSQL as');
  const [, , uid, gid] = passwd.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startScratchCluster(opts: { settings?: Record<string, string | number> } = {}): Promise<ScratchCluster> {
  const bin = postgresBinDir();
  const as = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'fb-scratch-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  mkdirSync(data, { mode: 0o700 });
  if (as) {
    chownSync(dir, as.uid, as.gid);
    chownSync(data, as.uid, as.gid);
  }
  // Asynchronous: the test's own servers (fakes, proxies) keep answering while pg_ctl waits.
  const run = async (tool: string, args: string[], timeoutMs = 120_000) => {
    const r = await execa(join(bin, tool), args, { reject: false, timeout: timeoutMs, all: true, ...(as ?? {}), env: { PATH: process.env.PATH ?? '', LC_ALL: 'C', HOME: dir }, extendEnv: false, stdin: 'ignore' });
    return { ok: r.exitCode === 0, out: `${r.all ?? ''}${r.failed && r.exitCode === undefined ? r.message : ''}` };
  };
  const init = await run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  if (!init.ok) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (as ${as ? 'postgres' : userInfo().username}):\n${init.out}`);
  }
  const port = await freePort();
  const settings: Record<string, string | number> = {
    port,
    listen_addresses: "'127.0.0.1'",
    unix_socket_directories: `'${dir}'`,
    // A test's data: durability buys nothing here, and the machine is shared.
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    shared_buffers: "'32MB'",
    max_connections: 100,
    ...opts.settings,
  };
  appendFileSync(join(data, 'postgresql.conf'), `\n# scratch cluster (test/support/scratch-postgres.ts)\n${Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`);
  const cluster: ScratchCluster = {
    port,
    url: (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`,
    async start() {
      const r = await run('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '90', 'start']);
      if (!r.ok) throw new Error(`pg_ctl start failed:\n${r.out}\n${cluster.log().slice(-2000)}`);
    },
    async stop() {
      const r = await run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
      if (!r.ok) throw new Error(`pg_ctl stop failed:\n${r.out}\n${cluster.log().slice(-2000)}`);
    },
    running: async () => (await run('pg_ctl', ['-D', data, 'status'])).ok,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    async destroy() {
      if (existsSync(data)) await run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await cluster.start();
  } catch (err) {
    await cluster.destroy();
    throw err;
  }
  return cluster;
}
