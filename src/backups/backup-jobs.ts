/**
 * The backup jobs of one process and their shutdown. Shared by /backup now and the scheduler, so
 * shutdown waits for both kinds alike.
 */
import type { BackupJobs, RunningBackupJob } from './backup-port.js';
import type { BackupsPorts } from './ports.js';

/**
 * The backup jobs of one Firebreak process: what is running, so shutdown can wait for it.
 * main.ts builds one per app and hands it in as `ports.backups.jobs`. Without it, close() shut
 * the store while a dump was still running and the record stayed "running" for ever.
 */
export class InProcessBackupJobs implements BackupJobs {
  private stoppingFlag = false;
  private readonly jobs = new Map<string, RunningBackupJob>();
  private readonly chores = new Set<Promise<unknown>>();

  get stopping(): boolean {
    return this.stoppingFlag;
  }

  beginStopping(): void {
    this.stoppingFlag = true;
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.chores.add(work);
    void work.then(
      () => this.chores.delete(work),
      () => this.chores.delete(work),
    );
    return work;
  }

  register(job: RunningBackupJob): void {
    this.jobs.set(job.id, job);
    const forget = () => {
      if (this.jobs.get(job.id) === job) this.jobs.delete(job.id);
    };
    void job.done.then(forget, forget);
  }

  running(): RunningBackupJob[] {
    return [...this.jobs.values()];
  }

  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.chores, ...[...this.jobs.values()].map((j) => j.done)];
      if (pending.length === 0) return;
      await Promise.allSettled(pending);
    }
  }
}

/**
 * Shutdown: refuse new backups, give running ones `graceMs` to finish, then stop them (the dump is
 * killed, the upload aborted, the record marked failed by the job). If one still has not finished
 * after `abortWaitMs`, its record is marked failed here, so nothing stays "running" once the store closes.
 */
export async function stopBackupJobs(ports: BackupsPorts, opts: { graceMs: number; abortWaitMs: number }): Promise<{ stopped: string[] }> {
  const jobs = ports.backups?.jobs;
  if (!jobs) return { stopped: [] };
  jobs.beginStopping();
  if (await within(jobs.idle(), opts.graceMs)) return { stopped: [] };
  const stopped = jobs.running();
  for (const j of stopped) {
    ports.logger.warn({ backup: j.id, target: j.target }, `stopping backup ${j.id} of ${j.target}: Firebreak is shutting down`);
    j.controller.abort(new Error('Firebreak is shutting down'));
  }
  if (!(await within(jobs.idle(), opts.abortWaitMs))) {
    for (const j of jobs.running()) {
      await ports.backups?.records
        .fail(j.id, 'Firebreak shut down while this backup was running and it did not stop in time; it is not a backup.', performance.now() - j.startedAt)
        .catch((err: unknown) => ports.logger.error({ backup: j.id, err: String(err) }, `could not mark backup ${j.id} failed at shutdown`));
    }
  }
  return { stopped: stopped.map((j) => j.id) };
}

async function within(work: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
