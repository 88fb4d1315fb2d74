import { describe, expect, it } from 'vitest';
import type { BackgroundWorker, StopBy } from '../../src/core/background-worker.js';
import type { Logger } from '../../src/core/ports.js';
import { BackgroundWorkers } from '../../src/scheduler/workers.js';

/**
 * The workers' runner with stand-in workers: what it starts and stops, in which order, and that a
 * worker that never stops (a send that hangs, a database that does not answer) costs the shutdown
 * its deadline and no more, the others still being stopped.
 */
type Stops = 'at-once' | 'never' | 'with-an-error';

function recording() {
  const events: string[] = [];
  const deadlines: number[] = [];
  const logged: { level: string; obj: object; msg?: string }[] = [];
  const logger: Logger = {
    debug: (obj, msg) => void logged.push({ level: 'debug', obj, msg }),
    info: (obj, msg) => void logged.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => void logged.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => void logged.push({ level: 'error', obj, msg }),
  };
  const worker = (name: string, stops: Stops = 'at-once', startThrows = false): BackgroundWorker => ({
    name,
    start() {
      if (startThrows) throw new Error(`${name} could not start`);
      events.push(`start ${name}`);
    },
    async stop({ deadline }: StopBy) {
      events.push(`stop ${name}`);
      deadlines.push(deadline);
      if (stops === 'never') await new Promise(() => {});
      if (stops === 'with-an-error') throw new Error(`${name} could not give back its claims`);
      events.push(`stopped ${name}`);
    },
  });
  return { events, deadlines, logged, logger, worker };
}

describe('background workers', () => {
  it('start in the order given and stop in reverse, each waited for before the next, all by one deadline', async () => {
    const r = recording();
    const workers = new BackgroundWorkers([r.worker('backups'), r.worker('escalation'), r.worker('outbox')], r.logger);
    workers.start();
    expect(r.events).toEqual(['start backups', 'start escalation', 'start outbox']);

    const report = await workers.stop({ withinMs: 5_000 });
    expect(r.events.slice(3)).toEqual(['stop outbox', 'stopped outbox', 'stop escalation', 'stopped escalation', 'stop backups', 'stopped backups']);
    expect(report).toEqual({ stopped: ['outbox', 'escalation', 'backups'], late: [], failed: [] });
    expect(new Set(r.deadlines).size).toBe(1);
    expect(r.logged.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('a worker that does not stop by the deadline is logged by name, and the ones after it are still stopped', async () => {
    const r = recording();
    const workers = new BackgroundWorkers([r.worker('backups'), r.worker('outbox', 'never'), r.worker('reminders')], r.logger);
    workers.start();

    // Resolves although the outbox's stop() never does: the shutdown is not held past the deadline.
    const report = await workers.stop({ withinMs: 300 });
    expect(report).toEqual({ stopped: ['reminders', 'backups'], late: ['outbox'], failed: [] });
    expect(r.events.slice(3)).toEqual(['stop reminders', 'stopped reminders', 'stop outbox', 'stop backups', 'stopped backups']);
    // Told the same deadline, which had passed by then: it stops claiming at once.
    expect(new Set(r.deadlines).size).toBe(1);
    const errors = r.logged.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.obj).toMatchObject({ worker: 'outbox' });
    expect(errors[0]!.msg).toContain('the outbox worker was still stopping when the 0.3 s for stopping the background workers ran out');
  });

  it('a worker whose stop fails is logged with the reason, and the rest are stopped', async () => {
    const r = recording();
    const workers = new BackgroundWorkers([r.worker('backups'), r.worker('watch', 'with-an-error'), r.worker('reminders')], r.logger);
    workers.start();
    const report = await workers.stop();
    expect(report).toEqual({ stopped: ['reminders', 'backups'], late: [], failed: ['watch'] });
    const errors = r.logged.filter((l) => l.level === 'error');
    expect(errors.map((e) => e.msg)).toEqual(['shutting down: the watch worker could not stop cleanly: watch could not give back its claims']);
  });

  it('a worker that fails to start: the error is thrown, the ones after it never start, and stop() stops the ones before it', async () => {
    const r = recording();
    const workers = new BackgroundWorkers([r.worker('backups'), r.worker('escalation'), r.worker('watch', 'at-once', true), r.worker('outbox')], r.logger);
    expect(() => workers.start()).toThrow('watch could not start');
    expect(r.events).toEqual(['start backups', 'start escalation']);
    const report = await workers.stop();
    expect(report.stopped).toEqual(['escalation', 'backups']);
    expect(r.events.filter((e) => e.startsWith('stop '))).toEqual(['stop escalation', 'stop backups']);
  });

  it('stopping twice stops each worker once; starting after a stop starts nothing', async () => {
    const r = recording();
    const workers = new BackgroundWorkers([r.worker('backups'), r.worker('outbox')], r.logger);
    workers.start();
    const [first, second] = await Promise.all([workers.stop(), workers.stop()]);
    expect(second).toEqual(first);
    workers.start();
    expect(r.events.filter((e) => e.startsWith('stop ')).sort()).toEqual(['stop backups', 'stop outbox']);
    expect(r.events.filter((e) => e.startsWith('start '))).toEqual(['start backups', 'start outbox']);
  });

  it('refuses two workers of the same name, which logs could not tell apart', () => {
    const r = recording();
    expect(() => new BackgroundWorkers([r.worker('outbox'), r.worker('outbox')], r.logger)).toThrow('Two background workers are named "outbox"');
  });
});
