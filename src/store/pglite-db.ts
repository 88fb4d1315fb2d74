import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import type { Db, Queryable } from './db.js';
import { pgliteTemplate } from './pglite-template.js';

/**
 * PostgreSQL settings for the embedded store, added to PGlite's own start parameters. PGlite's
 * defaults are a server's (shared_buffers 128MB, maintenance_work_mem 64MB): its WASM memory starts
 * at 128 MB, grows to hold them and never shrinks. Firebreak's database is small (timeline, leases,
 * outbox) and the OS page cache still holds the files, so a small buffer pool costs nothing we
 * measured (docs/production.md, "The embedded store"). work_mem stays at PostgreSQL's default (4MB).
 */
export const PGLITE_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: '16MB',
  maintenance_work_mem: '16MB',
  temp_buffers: '2MB',
};

/** PGLITE_SETTINGS as PostgreSQL start parameters (`-c name=value`), as PGlite and initdb take them. */
export function pgliteStartSettings(): string[] {
  return Object.entries(PGLITE_SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
}

const WORKER_URL = new URL('./pglite-worker.mjs', import.meta.url);

type Request =
  | { op: 'open' | 'begin' | 'close' }
  | { op: 'query'; sql: string; params: unknown[]; tx?: number }
  | { op: 'exec'; sql: string; tx?: number }
  | { op: 'prepare'; sqls: string[] }
  | { op: 'commit' | 'rollback'; tx: number };

const responseSchema = z.union([
  z.object({ id: z.number(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.number(), ok: z.literal(false), error: z.looseObject({ message: z.string(), name: z.string().optional(), code: z.string().optional() }) }),
]);

/** An Error as the caller would have had it on this thread: message, SQLSTATE `code`, detail, constraint … */
function toError(e: { message: string } & Record<string, unknown>): Error {
  return Object.assign(new Error(e.message), e);
}

/** The thread that owns the PGlite instance, and the request/response messages to it. */
class PgliteThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;
  private outgoing: Array<{ id: number } & Request> = [];
  private dead: Error | null = null;

  constructor(dataDir: string | undefined, template: string | null) {
    this.worker = new Worker(WORKER_URL, { workerData: { dataDir, settings: pgliteStartSettings(), template } });
    // Idle, the thread must not keep the process alive (no more than PGlite on this thread did);
    // while a request is out, it must, or `firebreak run` could exit in the middle of a query.
    this.worker.unref();
    // The store's thread sends the answers it has ready together (pglite-worker.mjs), in one array.
    this.worker.on('message', (raw: unknown) => {
      for (const one of Array.isArray(raw) ? raw : [raw]) {
        const m = responseSchema.safeParse(one);
        if (!m.success) continue;
        const waiter = this.settle(m.data.id);
        if (!waiter) continue;
        if (m.data.ok) waiter.resolve(m.data.result);
        else waiter.reject(toError(m.data.error));
      }
    });
    this.worker.on('error', (err) => this.stop(new Error(`the embedded store (PGlite) failed: ${err.message}`)));
    this.worker.on('exit', (code) => this.stop(new Error(`the embedded store (PGlite) stopped (its thread exited with code ${code})`)));
  }

  private stop(reason: Error): void {
    this.dead ??= reason;
    for (const w of this.pending.values()) w.reject(reason);
    this.pending.clear();
  }

  /** The waiter of a request that has its answer, no longer pending. */
  private settle(id: number): { resolve(v: unknown): void; reject(e: Error): void } | undefined {
    const waiter = this.pending.get(id);
    if (!waiter) return undefined;
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
    return waiter;
  }

  call<T>(req: Request): Promise<T> {
    return this.send<T>(req).done;
  }

  /**
   * Sends a request; its id is known at once (a transaction's id is its `begin` request's). The
   * requests of one turn of the event loop go to the store's thread as one message, in order: each
   * message wakes that thread, and in a storm a dozen webhooks ask at once.
   */
  send<T>(req: Request): { id: number; done: Promise<T> } {
    const id = this.nextId++;
    if (this.dead) return { id, done: Promise.reject(this.dead) };
    const done = new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      if (this.pending.size === 1) this.worker.ref();
      if (this.outgoing.length === 0) setImmediate(() => this.flush());
      this.outgoing.push({ id, ...req });
    });
    return { id, done };
  }

  private flush(): void {
    const batch = this.outgoing;
    this.outgoing = [];
    if (this.dead) return; // stop() has failed every pending request
    try {
      this.worker.postMessage(batch);
    } catch {
      // A parameter that cannot be sent (a function, a class instance with private state …) fails its own request only.
      for (const m of batch) {
        try {
          this.worker.postMessage([m]);
        } catch (err) {
          this.settle(m.id)?.reject(err instanceof Error ? err : new Error(String(err)));
        }
      }
    }
  }

  async close(): Promise<void> {
    if (!this.dead) await this.call({ op: 'close' });
    this.dead ??= new Error('the embedded store is closed');
    await this.worker.terminate();
  }
}

async function startThread(dataDir: string | undefined, template: string | null = null): Promise<PgliteThread> {
  const thread = new PgliteThread(dataDir, template);
  try {
    await thread.call({ op: 'open' });
  } catch (err) {
    await thread.close().catch(() => {});
    throw err;
  }
  return thread;
}

const UNPACK_SCRIPT = fileURLToPath(new URL('./template-unpack.mjs', import.meta.url));

/**
 * tar's extract in a child process (template-unpack.mjs): what unpacking leaves behind (~50 MB of
 * heap and gunzip buffers, which neither V8 nor the allocator gives back at once) goes with that
 * process, before PGlite's memory grows in this one. No tar program is needed: it is Node and node-tar.
 */
function extractInChildProcess(file: string, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [UNPACK_SCRIPT, file, cwd], { env: process.env, maxBuffer: 1 << 20 }, (err, _stdout, stderr) => {
      if (!err) resolve();
      else reject(new Error(stderr.trim() || err.message));
    });
  });
}

/**
 * Unpacks the template beside `dataDir` and renames it into place, so a process stopped halfway
 * leaves no half a database that would look like one (PG_VERSION) on the next start.
 */
async function unpackTemplate(template: string, dataDir: string): Promise<void> {
  // Only an empty directory is replaced: files without PG_VERSION may still be someone's, and nothing is ever lost.
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new Error(`the embedded store in ${dataDir} holds files but no database (no PG_VERSION); move them away and start again`);
  }
  const tmp = join(dirname(dataDir), `.${Date.now().toString(36)}-${process.pid}.pgdata-unpacking`);
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  try {
    await extractInChildProcess(template, tmp);
    if (existsSync(dataDir)) rmdirSync(dataDir); // empty (checked above); fails rather than lose anything put there since
    renameSync(tmp, dataDir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`creating the embedded store in ${dataDir} from the template ${template} failed: ${(err as Error).message}`);
  }
}

/**
 * Embedded PostgreSQL on a worker thread of its own, so nothing the store does delays the event
 * loop that answers chat platforms. PGlite is a single session: queries are serialized on that
 * thread, and a transaction holds it exclusively until it commits or rolls back (a query from
 * outside waits for it). No advisory locks or LISTEN/NOTIFY are used anywhere.
 * `dataDir` undefined keeps everything in memory (tests).
 *
 * `fromTemplate`: a new database (in memory, or no PG_VERSION in `dataDir`) is loaded from the
 * migrated template (pglite-template.ts) instead of created by initdb here; migrate() then has only
 * newer migrations to apply. Without it a new database is empty, as PostgreSQL's would be.
 */
export async function openPglite(dataDir?: string, opts: { fromTemplate?: boolean } = {}): Promise<Db> {
  const isNew = !dataDir || !existsSync(join(dataDir, 'PG_VERSION'));
  let template = isNew && opts.fromTemplate ? await pgliteTemplate(pgliteStartSettings()) : null;
  if (dataDir && template) {
    // On disk the tarball is unpacked here, streaming, and PGlite then opens an existing database:
    // PGlite's own loadDataDir holds the whole unpacked tarball in memory (~120 MB more at the peak).
    await unpackTemplate(template, dataDir);
    template = null;
  } else if (dataDir && isNew) {
    // Creating a database runs initdb in a second PGlite instance, which PGlite never frees: on a
    // thread of its own that then ends, its memory is given back before the store opens for good.
    await (await startThread(dataDir)).close();
  }
  const thread = await startThread(dataDir, template);
  const queryable = (tx?: number): Queryable => ({
    query: <R extends object>(sql: string, params: unknown[] = []) => thread.call<R[]>({ op: 'query', sql, params, tx }),
    exec: (sql: string) => thread.call<void>({ op: 'exec', sql, tx }),
  });
  return {
    kind: 'pglite',
    description: dataDir ? `embedded (${dataDir})` : 'embedded (in memory)',
    ...queryable(),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      // The first statement goes without waiting for the answer to `begin`: the store's thread holds
      // it until the transaction has its turn (one round trip between the threads less each time).
      const { id: tx, done: begun } = thread.send<number>({ op: 'begin' });
      begun.catch(() => {}); // looked at below; a failed BEGIN must not be an unhandled rejection meanwhile
      let out: T;
      try {
        out = await fn(queryable(tx));
        await begun;
      } catch (err) {
        const beginFailed = await begun.then(
          () => null,
          (e: unknown) => e,
        );
        // BEGIN itself failed: that is the error (the statements failed because of it); nothing to roll back.
        if (beginFailed) throw beginFailed;
        await thread.call({ op: 'rollback', tx }).catch(() => {});
        throw err;
      }
      await thread.call({ op: 'commit', tx });
      return out;
    },
    prepare: (statements: readonly string[]) => thread.call<number>({ op: 'prepare', sqls: [...statements] }),
    close: () => thread.close(),
  };
}
