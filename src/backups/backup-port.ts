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
  /** Rows per table when the backup was taken (PostgreSQL, counted in pg_dump's own snapshot); null when not counted. */
  rowCounts: TableRows[] | null;
}

export interface TableRows {
  /** "name" for public tables, "schema.name" otherwise. */
  table: string;
  rows: number;
}

/** An object in the destination, whoever made it. */
export interface StoredObject {
  /** The key relative to the destination (S3 prefix or directory): what /backup restore takes. */
  name: string;
  location: string;
  sizeBytes: number;
  modifiedAt: Date;
  /** S3's ETag (a content fingerprint); absent for a directory. */
  etag?: string;
}

/** Backup bookkeeping. Only rows with status "complete" count as backups anywhere. */
export interface BackupRepository {
  /** Null when a backup for this scheduled slot already exists (another replica took it). */
  start(input: { id: string; target: string; trigger: string; requestedBy: string; location: string }): Promise<BackupRecord | null>;
  /** False when the record was no longer running (shutdown or a sweep failed it meanwhile): it does not count. */
  complete(id: string, result: { sizeBytes: number; sha256: string; durationMs: number; rowCounts?: TableRows[] }): Promise<boolean>;
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
  /** Rows per table in the snapshot the dump read (postgres targets), when they could be counted. */
  rowCounts?: TableRows[];
}

export interface RestoreRunResult {
  ok: boolean;
  durationMs: number;
  argv: string[];
  exitCode: number | null;
  problem?: string;
  stderr: string;
  /** Row counts per table of the restored database, when the restore succeeded (none for a `restore:` argv into something else). */
  tables: TableRows[];
  /** The sha256 of what was downloaded (an object Firebreak did not make has none recorded to check). */
  sha256?: string;
}

/** What a restore reads and where it writes. */
export interface RestoreRequest {
  target: BackupTargetConfig;
  destination: BackupDestinationConfig;
  location: string;
  /** The recorded checksum, verified before anything is restored; null for an object Firebreak did not make. */
  sha256: string | null;
  /** The dump's format when it is not the target's own (an object Firebreak did not make, named .sql.gz or .dump.gz). */
  format?: 'custom' | 'plain';
  /** Another database than the target's restore_url (a /backup verify scratch database). */
  intoUrl?: string;
  onProgress?: (stage: string) => void;
  signal?: AbortSignal;
}

/** Runs dumps, uploads, downloads and restores. The only thing that touches pg_dump, psql and S3. */
export interface BackupRunner {
  /** The location a new backup of this target would be written to (recorded before it starts). */
  locationFor(destination: BackupDestinationConfig, targetName: string, target: BackupTargetConfig, id: string, at: Date): string;
  /** The dump command, password-free, for cards and the timeline. */
  describe(target: BackupTargetConfig): string[];
  /** The restore command (the target's `restore:` argv, psql or pg_restore), password-free, for the confirmation card; null when the target cannot be restored. */
  describeRestore(target: BackupTargetConfig, opts?: { format?: 'custom' | 'plain'; intoUrl?: string }): string[] | null;
  /** Every object in the destination (recursively under its prefix or directory), newest first. */
  listObjects(destination: BackupDestinationConfig): Promise<StoredObject[]>;
  /** One object by its name relative to the destination; null when there is none. */
  statObject(destination: BackupDestinationConfig, name: string): Promise<StoredObject | null>;
  backup(req: {
    target: BackupTargetConfig;
    destination: BackupDestinationConfig;
    location: string;
    compressionLevel: number;
    onProgress?: (p: BackupProgress) => void;
    /** Stops the dump and aborts the upload (shutdown); the result is then a failure. */
    signal?: AbortSignal;
  }): Promise<BackupRunResult>;
  restore(req: RestoreRequest): Promise<RestoreRunResult>;
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
