import { describe, expect, it } from 'vitest';
import { SqlMaintenanceRepository } from '../../src/store/maintenance-repository.js';
import { SqlWatchdogRepository } from '../../src/store/watchdog-repository.js';
import { storeBackends } from '../support/store-backends.js';

/**
 * The Watchdog's and the maintenance windows' repositories on both stores: each once-only claim
 * (raising the silent alert, resolving it, an announcement, a configured occurrence) goes to exactly
 * one of several concurrent callers, as several replicas would make them.
 */
for (const backend of storeBackends('fb_alertpath')) {
  describe(`alert path repositories on ${backend.name}`, () => {
    it('the Watchdog: one raise and one resolve among concurrent callers; last seen only moves forward', async () => {
      const { db, close } = await backend.open();
      try {
        const repo = new SqlWatchdogRepository(db);
        const t0 = new Date('2026-12-07T02:00:00Z');
        expect(await repo.begin('Watchdog', t0)).toEqual({ lastSeenAt: t0, everSeen: false, raisedAt: null });
        const cutoff = new Date('2026-12-07T02:10:00Z');
        const claims = await Promise.all([1, 2, 3, 4].map(() => repo.claimRaise('Watchdog', cutoff, cutoff)));
        expect(claims.filter((c) => c !== null)).toHaveLength(1);
        const seen = await Promise.all([1, 2, 3].map(() => repo.seen('Watchdog', new Date('2026-12-07T02:12:00Z'))));
        expect(seen.filter((s) => s.raisedAt !== null)).toHaveLength(1);
        expect(seen.find((s) => s.raisedAt)?.lastSeenAt).toEqual(t0);
        await repo.seen('Watchdog', new Date('2026-12-07T02:11:00Z'));
        expect(await repo.state('Watchdog')).toEqual({ lastSeenAt: new Date('2026-12-07T02:12:00Z'), everSeen: true, raisedAt: null });
        expect(await repo.lastSeen()).toEqual([{ alertname: 'Watchdog', seconds: new Date('2026-12-07T02:12:00Z').getTime() / 1000, everSeen: true }]);
      } finally {
        await close();
      }
    }, 120_000);

    it('maintenance windows: a configured occurrence is stored once, each announcement claimed once, ending early ends it', async () => {
      const { db, close } = await backend.open();
      try {
        const repo = new SqlMaintenanceRepository(db);
        const occ = { configName: 'sunday', services: ['api', 'postgres'], reason: 'runbook 004', startsAt: new Date('2030-01-06T02:00:00Z'), endsAt: new Date('2030-01-06T04:00:00Z'), createdBy: 'config', noticeH: 48 };
        const made = await Promise.all([1, 2, 3].map(() => repo.create(occ)));
        expect(new Set(made.map((w) => w.id)).size).toBe(1);
        expect(made[0]).toMatchObject({ services: ['api', 'postgres'], noticeH: 48, endedAt: null });
        const id = made[0]!.id!;
        expect((await Promise.all([1, 2, 3].map(() => repo.claimAnnouncement(id, 'notice')))).filter(Boolean)).toHaveLength(1);
        expect(await repo.claimAnnouncement(id, 'start')).toBe(true);
        expect(await repo.overlapping(new Date('2030-01-06T03:00:00Z'), new Date('2030-01-06T03:00:00Z'))).toHaveLength(1);
        const ended = await repo.end(id, new Date('2030-01-06T03:00:00Z'), 'alice');
        expect(ended).toMatchObject({ endedAt: new Date('2030-01-06T03:00:00Z'), endedBy: 'alice' });
        expect(await repo.end(id, new Date('2030-01-06T03:01:00Z'), 'bob')).toBeNull();
        expect(await repo.overlapping(new Date('2030-01-06T03:30:00Z'), new Date('2030-01-06T03:30:00Z'))).toEqual([]);
        expect(await repo.get('not-a-number')).toBeNull();
      } finally {
        await close();
      }
    }, 120_000);

    it('maintenance windows asked about now (every firing webhook asks): one started or ended since the last question is seen at the next, through any repository of the store', async () => {
      const { db, close } = await backend.open();
      try {
        const webhooks = new SqlMaintenanceRepository(db);
        const command = new SqlMaintenanceRepository(db);
        const now = () => new Date();
        expect(await webhooks.overlapping(now(), now())).toEqual([]);
        const started = await command.create({ configName: null, services: ['api'], reason: 'upgrade', startsAt: new Date(Date.now() - 60_000), endsAt: new Date(Date.now() + 3_600_000), createdBy: 'alice', noticeH: 0 });
        expect((await webhooks.overlapping(now(), now())).map((w) => w.id)).toEqual([started.id]);
        expect((await webhooks.overlapping(now(), now())).map((w) => w.id)).toEqual([started.id]);
        await command.end(started.id!, now(), 'alice');
        expect(await webhooks.overlapping(now(), now())).toEqual([]);
        // A time before the first question is asked of the store: the window, ended since, was on then.
        const then = new Date(started.startsAt.getTime() + 1_000);
        expect((await webhooks.overlapping(then, then)).map((w) => w.id)).toEqual([started.id]);
      } finally {
        await close();
      }
    }, 120_000);
  });
}
