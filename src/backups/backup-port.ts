import type { BackupDestinationConfig, BackupTargetConfig } from '../config/schema.js';

// ── backups ─────────────────────────────────────────────────────────────────

export type BackupStatus = 'running' | 'complete' | 'failed';

export interface BackupRecord {
  id: string;
  target: string;
  status: BackupStatus;
  /** "manual" or the scheduled slot it belongs to, e.g. "schedule:2026-11-25T03:00:00.000Z". */
  trigger: string;
  requestedBy: string;
  startedAt: Date;
  finishedAt: Date | null;
  sizeBytes: number | null;
  sha256: string | null;
  durationMs: number | null;
  /** Where the object lives: s3://bucket/key or an absolute file path. */
  location: string | null;
  error: string | null;
}

/** Backup bookkeeping. Only rows with status "complete" count as backups anywhere. */
export interface BackupRepository {
  /** Null when a backup for this scheduled slot already exists (another replica took it). */
  start(input: { id: string; target: string; trigger: string; requestedBy: string; location: string }): Promise<BackupRecord | null>;
  /** False when the record was no longer running (shutdown or a sweep failed it meanwhile): it does not count. */
  complete(id: string, result: { sizeBytes: number; sha256: string; durationMs: number }): Promise<boolean>;
  fail(id: string, error: string, durationMs: number): Promise<void>;
  get(id: string): Promise<BackupRecord | null>;
  /** Newest first. */
  list(filter?: { target?: string; limit?: number }): Promise<BackupRecord[]>;
  completeOlderThan(target: string, before: Date): Promise<BackupRecord[]>;
  delete(id: string): Promise<void>;
}

export interface BackupProgress {
  /** Compressed bytes written so far. */
  bytes: number;
}

export interface BackupRunResult {
  ok: boolean;
  sizeBytes: number;
  sha256: string;
  durationMs: number;
  /** What ran (password-free). */
  argv: string[];
  exitCode: number | null;
  /** One sentence when it did not succeed. Not yet redacted. */
  problem?: string;
  /** A failed backup left something at the destination (parts of an upload that could not be aborted); `problem` says how to remove it. */
  leftBehind?: boolean;
  /** Tail of the dump tool's stderr. */
  stderr: string;
}

export interface RestoreRunResult {
  ok: boolean;
  durationMs: number;
  argv: string[];
  exitCode: number | null;
  problem?: string;
  stderr: string;
  /** Row counts per table of the restored database, when the restore succeeded. */
  tables: { table: string; rows: number }[];
}

/** Runs dumps, uploads, downloads and restores. The only thing that touches pg_dump, psql and S3. */
export interface BackupRunner {
  /** The location a new backup of this target would be written to (recorded before it starts). */
  locationFor(destination: BackupDestinationConfig, targetName: string, target: BackupTargetConfig, id: string, at: Date): string;
  /** The dump command, password-free, for cards and the timeline. */
  describe(target: BackupTargetConfig): string[];
  /** The restore command (psql or pg_restore), password-free, for the confirmation card; null when the target cannot be restored. */
  describeRestore(target: BackupTargetConfig): string[] | null;
  backup(req: {
    target: BackupTargetConfig;
    destination: BackupDestinationConfig;
    location: string;
    compressionLevel: number;
    onProgress?: (p: BackupProgress) => void;
    /** Stops the dump and aborts the upload (shutdown); the result is then a failure. */
    signal?: AbortSignal;
  }): Promise<BackupRunResult>;
  restore(req: {
    target: BackupTargetConfig;
    destination: BackupDestinationConfig;
    location: string;
    sha256: string;
    onProgress?: (stage: string) => void;
  }): Promise<RestoreRunResult>;
  remove(destination: BackupDestinationConfig, location: string): Promise<void>;
}

/** A failed or skipped backup, for the incidents channel. Already redacted. */
export interface BackupProblem {
  kind: 'failed' | 'skipped';
  target: string;
  title: string;
  text: string;
  context?: string;
}

/** The problems of one target on one UTC day: what that day's report message shows. */
export interface BackupReportDay {
  target: string;
  /** YYYY-MM-DD, UTC. */
  day: string;
  failed: number;
  skipped: number;
  firstAt: Date;
  latestAt: Date;
  /** The problem with the latest time (a slow replica's older slot does not replace it). */
  latest: BackupProblem;
}

export interface BackupReportRepository {
  /** Counts the problem into its target's day (one statement: replicas never lose a count) and returns the day. */
  add(problem: BackupProblem, day: string, at: Date): Promise<BackupReportDay>;
  get(target: string, day: string): Promise<BackupReportDay | null>;
}

/** One backup this process is running (from before its lease is taken until its lease is released). */
export interface RunningBackupJob {
  id: string;
  target: string;
  startedAt: number;
  /** Aborted to stop it (shutdown, a lost lease). */
  controller: AbortController;
  /** Settles when the job is over. */
  done: Promise<unknown>;
}

/**
 * The backup jobs of one Firebreak process: what is running, so shutdown can wait for it.
 * Shared by /backup now and the scheduler; main.ts builds one per app.
 */
export interface BackupJobs {
  /** True once shutdown began: no new backup starts. */
  readonly stopping: boolean;
  beginStopping(): void;
  /** Keeps a piece of backup work (a scheduled slot, the start-up sweep) in view of shutdown. */
  track<T>(work: Promise<T>): Promise<T>;
  /** Resolves when nothing is running or tracked (including work that started while waiting). */
  idle(): Promise<void>;
  /** Registers a job until its `done` settles. */
  register(job: RunningBackupJob): void;
  /** The jobs running now. */
  running(): RunningBackupJob[];
}
