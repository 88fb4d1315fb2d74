// The embedded store's own thread: it owns the one PGlite instance, so PostgreSQL's work (WASM,
// and PGlite's synchronous file I/O) never runs on the thread that acknowledges Slack and Discord.
// Plain JavaScript on purpose: a worker thread does not inherit the tsx loader bin/firebreak.js
// registers, and vitest does not transform it either. The protocol is in pglite-db.ts.
import { readFileSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { parse as pgResults, PGlite, protocol } from '@electric-sql/pglite';

if (!parentPort) throw new Error('pglite-worker.mjs runs as a worker thread of pglite-db.ts');
const port = parentPort;

/** @type {{ dataDir: string | undefined, settings: string[], template: string | null }} */
const { dataDir, settings, template } = workerData;
// PGlite's start parameters replace its defaults rather than add to them. initdb (a new data
// directory) gets the settings too: it writes them into postgresql.conf, and its own run then
// does not grow a buffer pool of the default size.
const options = { startParams: [...PGlite.defaultStartParams, ...settings], initDbStartParams: settings };
const ROLLBACK = Symbol('rollback');

// When the machine is short of CPU, the thread that acknowledges chat platforms goes first and the
// store waits: a slower timeline write is harmless, a late ack is a platform timeout. Linux only
// (a thread's own nice value, through its id in /proc/thread-self); elsewhere it stays as it is.
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 10);
} catch {
  // no procfs, or not allowed: the store runs at the process's priority
}

/** @type {PGlite | undefined} */
let db;
/** Open transactions by id: PGlite's transaction callback stays pending until commit or rollback. */
const txs = new Map();

/**
 * Answers ready in the same turn of this thread's event loop go to the main thread as one message.
 * Each message wakes the other thread; on a machine short of CPU a wake-up is where a thread loses
 * its core (in a storm, posting answers one by one was over a quarter of this thread's time). In a
 * storm answers come in bunches: a transaction's end and the next one's first statement, the
 * single statements that waited for a transaction.
 */
let answers = [];

function flushAnswers() {
  const batch = answers;
  answers = [];
  try {
    port.postMessage(batch);
  } catch {
    // A value the thread boundary cannot carry must fail that one call, not the others or the whole store.
    for (const a of batch) {
      try {
        port.postMessage([a]);
      } catch (err) {
        fail(a.id, err);
      }
    }
  }
}

function answer(a) {
  if (answers.length === 0) setImmediate(flushAnswers);
  answers.push(a);
}

function reply(id, result) {
  answer({ id, ok: true, result });
}

// Everything a caller may act on (PostgreSQL's SQLSTATE `code`, detail, constraint …) survives the
// thread boundary; structured clone would keep only the message of an Error.
function fail(id, err) {
  const error = { message: err instanceof Error ? err.message : String(err), name: err instanceof Error ? err.name : 'Error' };
  if (err && typeof err === 'object') {
    for (const [k, v] of Object.entries(err)) {
      if (typeof v === 'string' || typeof v === 'number') error[k] = v;
    }
  }
  answer({ id, ok: false, error });
}

/** Starts `fn` now (arrival order is the order PGlite queues it in) and answers with its outcome. */
function run(id, fn, result) {
  let p;
  try {
    p = fn();
  } catch (err) {
    return fail(id, err);
  }
  p.then((r) => reply(id, result(r)), (err) => fail(id, err));
}

function target(m) {
  if (m.tx === undefined) return db;
  const t = txs.get(m.tx);
  if (!t) throw new Error(`transaction ${m.tx} is already closed`);
  return t.tx;
}

/**
 * Statements prepared once, by their text, and from then on only bound and executed. PGlite's own
 * `query()` parses, analyses and plans every statement anew, in six calls into PostgreSQL (Parse,
 * Describe, Bind, Describe, Execute, Sync); the same statements run over and over (a webhook is five
 * of them), so each is named the first time it is seen, and every later run is one call (Bind,
 * Execute, Sync) on its saved plan. Prepared statements belong to the session, not to a
 * transaction: a rollback keeps them. Bounded: a text seldom run gives way to newer ones.
 */
const MAX_PREPARED = 256;
/** @type {Map<string, { name: string, types: number[], rows: object | undefined }>} SQL text → its prepared statement (least recently used first). */
const prepared = new Map();
let preparedSeq = 0;
/** Statements no longer in `prepared`, closed the next time a statement is prepared (with the session in hand). */
const unused = [];
const { serialize } = protocol;

function joined(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One call into PostgreSQL; its error as PGlite's query() would throw it (with the statement's text). */
async function protocolCall(sql, parts) {
  try {
    return await db.execProtocolStream(joined(parts), { syncToFs: false });
  } catch (err) {
    if (err && typeof err === 'object' && 'code' in err) err.query = sql;
    throw err;
  }
}

async function statementFor(sql) {
  const known = prepared.get(sql);
  if (known) {
    // Most recently used last, so the oldest is the first one out.
    prepared.delete(sql);
    prepared.set(sql, known);
    return known;
  }
  if (prepared.size >= MAX_PREPARED) {
    const [oldSql, old] = prepared.entries().next().value;
    prepared.delete(oldSql);
    unused.push(old.name);
  }
  if (unused.length > 0) {
    const names = unused.splice(0);
    await protocolCall('(closing unused prepared statements)', [...names.map((n) => serialize.close({ type: 'S', name: n })), serialize.sync()]).catch(() => {});
  }
  const name = `fb_${++preparedSeq}`;
  const described = await protocolCall(sql, [serialize.parse({ name, text: sql }), serialize.describe({ type: 'S', name }), serialize.sync()]);
  // Its parameters' types (to write the values as PostgreSQL reads them) and its rows' shape, kept:
  // a run then needs no Describe of its own (the rows come as text, as the shape says).
  const st = { name, types: pgResults.parseDescribeStatementResults(described), rows: described.find((msg) => msg.name === 'rowDescription') };
  prepared.set(sql, st);
  return st;
}

/** A statement's rows, through its prepared statement; in PGlite's query lock, as its own query() would be. */
function runPrepared(sql, params) {
  return db.runExclusive(async () => {
    const st = await statementFor(sql);
    const values = params.map((v, i) => {
      if (v === null || v === undefined) return null;
      const toText = db.serializers[st.types[i]];
      return toText ? toText(v) : v.toString();
    });
    let messages;
    try {
      messages = await protocolCall(sql, [serialize.bind({ statement: st.name, values }), serialize.execute({}), serialize.sync()]);
    } catch (err) {
      // A table's columns changed under a statement that returns them all (`SELECT *` after a
      // migration): PostgreSQL refuses to run its saved plan. Prepared anew the next time.
      if (err?.code === '0A000' && prepared.get(sql) === st) {
        prepared.delete(sql);
        unused.push(st.name);
      }
      throw err;
    }
    return pgResults.parseResults(st.rows ? [st.rows, ...messages] : messages, db.parsers)[0].rows;
  });
}

/** A statement's rows: in its transaction, or on its own (after the transaction in progress, as PGlite's query() queues it). */
function query(m) {
  if (m.tx === undefined) {
    return db._runExclusiveTransaction(async () => {
      const rows = await runPrepared(m.sql, m.params);
      await db.syncToFs();
      return rows;
    });
  }
  target(m); // still open
  return runPrepared(m.sql, m.params);
}

/**
 * Statements prepared ahead of their first run (PgliteDb.prepare): parsed and analysed now, with the
 * catalogs they read, so the first webhook does not pay for it. Nothing runs, nothing is written. In
 * the session's turn like a single statement (after a transaction in progress); one that fails to
 * prepare (a table a newer migration dropped) is left to fail when it is run.
 */
function prepareAll(sqls) {
  return db._runExclusiveTransaction(() =>
    db.runExclusive(async () => {
      let n = 0;
      for (const sql of sqls) {
        try {
          await statementFor(sql);
          n++;
        } catch {
          // Its own run says why.
        }
      }
      return n;
    }),
  );
}

/** Simple-protocol SQL (migrations, DDL): what a prepared statement returns may change, so each is prepared anew after it. */
function exec(m) {
  for (const st of prepared.values()) unused.push(st.name);
  prepared.clear();
  return target(m).exec(m.sql);
}

/**
 * Transactions waiting for their turn. One at a time is handed to PGlite; the others wait here, not
 * in PGlite's own queue, so a single statement from outside a transaction (the alert outbox reading
 * what to post next, a lease renewal, a command's lookup) runs after the transaction in progress
 * instead of behind every transaction queued before it. During an alert storm a dozen webhooks'
 * transactions are queued at any moment: first come, first served, the first card waited for all
 * of them, statement by statement. A statement sent before a `begin` still runs before it (it is in
 * PGlite's queue first); only one sent after a transaction asked for the session may go ahead of it,
 * which no caller can tell from the order they happened to arrive in. Transactions keep their order.
 */
const waitingTxs = [];
let txRunning = false;
/**
 * What the caller already sent for a transaction that has not begun yet (it does not wait for the
 * answer to `begin` before its first statement: one round trip between the threads less per
 * transaction), kept in order until it begins.
 */
const early = new Map();

function begin(id) {
  early.set(id, []);
  waitingTxs.push(id);
  if (!txRunning) nextTx();
}

/** The transaction has begun (or failed to): what was sent for it meanwhile runs now, in order (or fails with it). */
function replayEarly(id, err) {
  const sent = early.get(id) ?? [];
  early.delete(id);
  for (const m of sent) {
    if (err) fail(m.id, err);
    else handle(m);
  }
}

function nextTx() {
  const id = waitingTxs.shift();
  txRunning = id !== undefined;
  if (id !== undefined) startTx(id);
}

function startTx(id) {
  if (!db) {
    const err = new Error('the embedded store is not open');
    fail(id, err);
    replayEarly(id, err);
    return nextTx();
  }
  db.transaction(
    (tx) =>
      new Promise((resolve, reject) => {
        txs.set(id, { tx, resolve, reject, endId: undefined });
        reply(id, id);
        replayEarly(id, null);
      }),
  )
    .then(
      () => {
        const t = txs.get(id);
        txs.delete(id);
        reply(t.endId, null);
      },
      (err) => {
        const t = txs.get(id);
        txs.delete(id);
        // BEGIN itself failed: the callback never ran, so the caller is still waiting for its id.
        if (!t) {
          fail(id, err);
          return replayEarly(id, err);
        }
        if (err === ROLLBACK) reply(t.endId, null);
        else fail(t.endId, err);
      },
    )
    .finally(nextTx);
}

function end(m, commit) {
  const t = txs.get(m.tx);
  if (!t) return fail(m.id, new Error(`transaction ${m.tx} is already closed`));
  t.endId = m.id;
  if (commit) t.resolve();
  else t.reject(ROLLBACK);
}

// The main thread sends what it has in the same way: one message, the requests of one turn in order.
port.on('message', (batch) => {
  for (const m of batch) handle(m);
});

function handle(m) {
  // A statement, commit or rollback of a transaction still waiting for its turn waits with it.
  if (m.tx !== undefined && early.has(m.tx)) return void early.get(m.tx).push(m);
  switch (m.op) {
    case 'open':
      return run(m.id, async () => {
        // A new database from the migrated template (pglite-template.ts): PGlite unpacks it instead of running initdb.
        const opts = template ? { ...options, loadDataDir: new Blob([readFileSync(template)]) } : options;
        db = dataDir ? await PGlite.create(dataDir, opts) : await PGlite.create(opts);
      }, () => null);
    case 'query':
      // Outside a transaction it waits for the one in progress (if any), as the single session it is.
      return run(m.id, () => query(m), (rows) => rows);
    case 'exec':
      return run(m.id, () => exec(m), () => null);
    case 'prepare':
      return run(m.id, () => prepareAll(m.sqls), (n) => n);
    case 'begin':
      return begin(m.id);
    case 'commit':
      return end(m, true);
    case 'rollback':
      return end(m, false);
    case 'close':
      return run(m.id, async () => db?.close(), () => null);
    default:
      fail(m.id, new Error(`unknown store operation ${String(m.op)}`));
  }
}
