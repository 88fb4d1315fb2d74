import type { Db, Queryable } from '../../src/store/db.js';

/** The store as a connection that can go away: while `down`, every statement fails as pg's would. */
export class FlakyDb implements Db {
  down = false;
  /** Statements refused while down, so a test can wait until the outage was actually met. */
  failures = 0;
  readonly kind: Db['kind'];
  readonly description = 'flaky';
  constructor(private readonly inner: Db) {
    this.kind = inner.kind;
  }
  private check(): void {
    if (this.down) {
      this.failures++;
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:48729'), { code: 'ECONNREFUSED' });
    }
  }
  private wrap(q: Queryable): Queryable {
    return {
      query: async (sql, params) => (this.check(), q.query(sql, params)),
      exec: async (sql) => (this.check(), q.exec(sql)),
    };
  }
  query: Db['query'] = async (sql, params) => (this.check(), this.inner.query(sql, params));
  exec: Db['exec'] = async (sql) => (this.check(), this.inner.exec(sql));
  transaction: Db['transaction'] = async (fn) => (this.check(), this.inner.transaction((tx) => fn(this.wrap(tx))));
  close = () => this.inner.close();
}
