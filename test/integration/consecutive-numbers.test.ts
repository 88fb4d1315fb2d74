import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChangeContext } from '../../src/incidents/incident-store.js';
import { migrate } from '../../src/store/migrate.js';
import { openPglite } from '../../src/store/pglite-db.js';
import { fireGroup } from '../support/alerts.js';
import { alice, configFrom, testApp } from '../support/app.js';

const ctx: ChangeContext = { actor: alice, invocationId: 'numbers', channel: { platform: 'console', id: 'console', name: 'console' } };
const config = configFrom('{}').config;

/** The numbers people say out loud (INC-34, alert group 12) have no gaps: not after a failed declare, not after reopening the store. */
describe('incident and alert-group numbers are consecutive', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-numbers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const open = async () => {
    const db = await openPglite(join(dir, 'pgdata'), { fromTemplate: true });
    await migrate(db);
    const app = await testApp('{}', { db });
    return { db, app, close: async () => { await app.close(); await db.close(); } };
  };
  const declare = (s: Awaited<ReturnType<typeof open>>, title: string) =>
    s.app.ports.incidents.declare({ source: `test:${title}`, title, severity: 'sev3', declaredBy: alice, lead: null }, ctx);
  const number = (id: string) => Number(id.slice('INC-'.length));

  it('across a rolled-back declare and a close and reopen of the embedded store', async () => {
    let s = await open();
    const first = await declare(s, 'first');
    const g1 = await fireGroup(s.app.ports.alerts, config, { alertname: 'DiskFull', firstFiredAt: new Date() }, ['console']);
    // A declare whose transaction fails after the number was handed out (a trigger refuses the row).
    await s.db.exec(`
      CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom refused'; END $$;
      CREATE TRIGGER refuse_boom BEFORE INSERT ON incidents FOR EACH ROW WHEN (NEW.title = 'boom') EXECUTE FUNCTION refuse_boom();`);
    await expect(declare(s, 'boom')).rejects.toThrow(/boom refused/);
    const second = await declare(s, 'second');
    expect(number(second.incident.id)).toBe(number(first.incident.id) + 1);
    // A later notification of a known group (here: it resolves) takes no number.
    await g1.resolve(new Date());
    await s.close();

    s = await open();
    try {
      const third = await declare(s, 'third');
      expect(number(third.incident.id)).toBe(number(second.incident.id) + 1);
      const g2 = await fireGroup(s.app.ports.alerts, config, { alertname: 'CpuHigh', firstFiredAt: new Date() }, ['console']);
      expect(Number(g2.id)).toBe(Number(g1.id) + 1);
    } finally {
      await s.close();
    }
  }, 120_000);
});
