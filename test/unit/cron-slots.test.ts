import { Cron } from 'croner';
import { afterEach, describe, expect, it } from 'vitest';
import { cronProblem } from '../../src/config/cron-expression.js';
import { CronSlots, scheduledSlot } from '../../src/scheduler/cron-slots.js';
import { waitFor } from '../support/wait.js';

const job = (cron: string, domAndDow = false): Cron => new Cron(cron, { paused: true, timezone: 'UTC', mode: '5-or-6-parts', domAndDow });

describe('scheduledSlot: the slot a firing claims is its scheduled time, whatever the delay', () => {
  it.each([
    ['0 3 * * *', '2026-11-25T03:00:00.004Z', '2026-11-25T03:00:00.000Z'],
    // A timer a few seconds late (a busy event loop) still names the scheduled slot, as on every other replica.
    ['0 3 * * *', '2026-11-25T03:00:02.700Z', '2026-11-25T03:00:00.000Z'],
    ['0 10 1 1,4,7,10 *', '2026-10-01T10:00:00.010Z', '2026-10-01T10:00:00.000Z'],
    ['0 4 1 * *', '2026-12-01T04:00:00.999Z', '2026-12-01T04:00:00.000Z'],
    ['* * * * * *', '2026-11-25T03:00:07.999Z', '2026-11-25T03:00:07.000Z'],
    ['@daily', '2026-11-25T00:00:00.050Z', '2026-11-25T00:00:00.000Z'],
  ])('%s fired at %s → %s', (cron, firedAt, slot) => {
    expect(scheduledSlot(job(cron), new Date(firedAt)).toISOString()).toBe(slot);
  });

  it('day of month and weekday: both must match with domAndDow (backups, procedures), either without (drills)', () => {
    // 2026-06-02 is a Tuesday, not the 1st: only the weekday of "0 3 1 * 2" matches.
    const tuesday = new Date('2026-06-02T03:00:00.010Z');
    expect(scheduledSlot(job('0 3 1 * 2', false), tuesday).toISOString()).toBe('2026-06-02T03:00:00.000Z');
    expect(scheduledSlot(job('0 3 1 * 2', true), tuesday).toISOString()).not.toBe('2026-06-02T03:00:00.000Z');
  });
});

describe('cronProblem: the crons a schedule takes (what node-cron took)', () => {
  it.each(['0 3 * * *', '30 3 * * *', '0 4 1 * *', '0 10 1 1,4,7,10 *', '0 2 * * 0', '30 8 * * 1', '* * * * * *', '*/5 * * * *', '0 0 * * MON-FRI', '@weekly', '0 0 L * *'])('accepts %s', (cron) => {
    expect(cronProblem(cron)).toBeNull();
  });

  it.each(['0 25 * * *', '61 * * * *', 'every day', '0 3 * *', '0 0 * * * * 2027', '5/5 * * * *', '0 0 * * 8'])('refuses %s', (cron) => {
    expect(cronProblem(cron)).toEqual(expect.any(String));
  });

  it('refuses a date that never comes (31 February), which node-cron refused too', () => {
    expect(cronProblem('0 0 31 2 *')).toBe('it never comes');
  });
});

describe('CronSlots', () => {
  let slots: CronSlots<string> | undefined;
  afterEach(async () => {
    await slots?.stop();
  });

  it('fires each named cron with its slot time, refuses a bad cron, and claims nothing once stopped', async () => {
    const fired: { name: string; slot: Date; at: number }[] = [];
    slots = new CronSlots(async (name, slot) => {
      fired.push({ name, slot, at: Date.now() });
      return name;
    });
    const refused = slots.start([
      { name: 'every-second', cron: '* * * * * *' },
      { name: 'bad', cron: '0 25 * * *' },
    ]);
    expect(refused).toEqual([{ name: 'bad', cron: '0 25 * * *', problem: expect.stringContaining('hour') }]);
    await waitFor(() => fired.length >= 2, 30_000, 'two firings of the per-second cron');
    for (const f of fired) {
      expect(f.name).toBe('every-second');
      expect(f.slot.getTime() % 1000).toBe(0);
      expect(f.slot.getTime()).toBeLessThanOrEqual(f.at);
    }
    await slots.stop();
    expect(slots.stopping).toBe(true);
    const after = fired.length;
    expect(slots.start([{ name: 'again', cron: '* * * * * *' }])).toEqual([]);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(fired.length).toBe(after);
  });

  it('stop() waits for the work in flight; with a deadline, only until then', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    let finished = false;
    slots = new CronSlots(async () => {
      await held;
      finished = true;
      return 'done';
    });
    const work = slots.fire('x', new Date('2026-11-25T03:00:00Z'));
    await slots.stop({ deadline: performance.now() + 50 });
    expect(finished).toBe(false);
    const stopping = slots.stop();
    release();
    await stopping;
    expect(finished).toBe(true);
    await expect(work).resolves.toBe('done');
  });
});
