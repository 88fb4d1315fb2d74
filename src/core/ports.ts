/**
 * Interfaces the edges implement. The core and the commands depend only on these; main.ts
 * builds the concrete classes (store repositories, Redis, probes, kubectl runners) and passes them in.
 */
import type { ActionConfig, BackupDestinationConfig, BackupTargetConfig, CheckConfig, ServiceConfig } from '../config/schema.js';
import type { Actor, ChannelRef } from './identity.js';
import type { PlannedStep } from './outcome.js';
import type { Timeline } from './timeline.js';

// ── timeline (see timeline.ts) and transactions ─────────────────────────────

export type { Timeline, TimelineEvent, TimelineEventInput, TimelineKind, TimelineRepository } from './timeline.js';

/** What one transaction may touch: a state change and the timeline event that records it commit together. */
export interface TxPorts {
  timeline: Timeline;
  confirmations: ConfirmationRepository;
  leases: LeaseRepository;
}

/** Runs `fn` in one store transaction (PGlite: exclusive; PostgreSQL: one pooled client). */
export interface Transactor {
  atomically<T>(fn: (tx: TxPorts) => Promise<T>): Promise<T>;
}

// ── leases ──────────────────────────────────────────────────────────────────

export interface LeaseHolder {
  /** Unique per attempt; only this id can renew or release. */
  id: string;
  actorName: string;
  description: string;
}

export interface LeaseInfo extends LeaseHolder {
  key: string;
  acquiredAt: Date;
  expiresAt: Date;
}

export type LeaseResult = { acquired: true } | { acquired: false; heldBy: LeaseInfo };

export interface LeaseRepository {
  acquire(key: string, holder: LeaseHolder, ttlMs: number): Promise<LeaseResult>;
  renew(key: string, holderId: string, ttlMs: number): Promise<boolean>;
  release(key: string, holderId: string): Promise<void>;
  /** Who holds the key right now, if anyone (an expired lease counts as free). */
  current(key: string): Promise<LeaseInfo | null>;
}

// ── confirmations ───────────────────────────────────────────────────────────

export type ConfirmationStatus = 'pending' | 'confirmed' | 'cancelled';

export interface Confirmation {
  id: string;
  invocationId: string;
  command: string;
  plan: PlannedStep;
  requestedBy: Actor;
  channel: ChannelRef;
  status: ConfirmationStatus;
  decidedBy: Actor | null;
  decidedAt: Date | null;
  createdAt: Date;
  expiresAt: Date;
}

export interface ConfirmationRepository {
  create(c: Omit<Confirmation, 'status' | 'decidedBy' | 'decidedAt' | 'createdAt'>): Promise<void>;
  get(id: string): Promise<Confirmation | null>;
  /** Atomically pending → decided. Exactly one caller across replicas gets the row back. */
  decide(id: string, status: 'confirmed' | 'cancelled', by: Actor): Promise<Confirmation | null>;
}

// ── coordination ────────────────────────────────────────────────────────────

export interface Coordination {
  readonly kind: 'redis' | 'memory';
  /** True for the first caller with this key within ttl; false for every repeat (retries, double clicks). */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

// ── health ──────────────────────────────────────────────────────────────────

export interface ProbeResult {
  ok: boolean;
  latencyMs: number;
  /** What a person needs: "200 OK", "1.2 MB used", "timeout after 2000 ms". Already redacted. */
  detail: string;
  /** Where it looked, without credentials: "http://127.0.0.1:9/health". */
  target: string;
}

export interface HealthProber {
  probe(check: CheckConfig): Promise<ProbeResult>;
}

// ── deploys (/status, /rollback, /scale, /restart) ─────────────────────────

export type DeployConfig = NonNullable<ServiceConfig['deploy']>;

/** A service as the deploy port sees it: its config name and how it is deployed. */
export interface DeployTarget {
  service: string;
  deploy: DeployConfig;
}

export interface DeployRevision {
  revision: number;
  image: string | null;
  changeCause: string | null;
  createdAt: string | null;
}

export interface DeployPod {
  name: string;
  ready: boolean;
  restarts: number;
  /** "Running", or why it is not: CrashLoopBackOff, ImagePullBackOff, Pending… */
  state: string;
}

export interface DeployState {
  /** Where it lives, e.g. "deployment conduit-api in namespace conduit (context prod-eu)". */
  target: string;
  revision: number | null;
  image: string | null;
  replicas: number | null;
  ready: number | null;
  updated: number | null;
  /** Newest first; empty when the deploy kind keeps no history. */
  history: DeployRevision[];
  /** The pods behind it (kubernetes kind), when they could be read: what crash-loops shows here. */
  pods?: DeployPod[];
  /** What a status command printed (commands kind). Not yet redacted. */
  output?: string;
}

export type DeployOperation =
  /** toRevision null: the deploy tool's own "previous" (commands kind without {revision}). */
  | { kind: 'rollback'; toRevision: number | null }
  /** expectCurrent: refuse if the replica count changed since the card was shown. */
  | { kind: 'scale'; replicas: number; expectCurrent?: number | null }
  | { kind: 'restart' };

export type DeployReadResult = { ok: true; state: DeployState } | { ok: false; problem: string; argv: string[] };

export interface DeployRunResult {
  ok: boolean;
  /** The operation's command as confirmed (not the follow-up rollout status). Not yet redacted. */
  argv: string[];
  exitCode: number | null;
  durationMs: number;
  /** Trimmed output of the operation and its rollout wait. Not yet redacted. */
  output: string;
  /** One sentence when it did not succeed. */
  problem?: string;
  /** The state after the rollout settled, when it could be read. */
  state?: DeployState;
}

/** Reads and changes deployed services (kubectl or configured commands). The only thing that does. */
export interface DeployPort {
  status(target: DeployTarget): Promise<DeployReadResult>;
  /** The exact command `execute` will run, or null when this service has no command for it. */
  describe(target: DeployTarget, op: DeployOperation): string[] | null;
  /** Runs the operation and waits for the rollout to settle; each output line goes to onLine. */
  execute(target: DeployTarget, op: DeployOperation, onLine: (line: string) => void): Promise<DeployRunResult>;
}

// ── custom actions ──────────────────────────────────────────────────────────

/** Param values of a custom action, already validated against its spec (ints are numbers). */
export type ActionParamValues = { readonly [name: string]: string | number };

export interface ActionRequest {
  name: string;
  action: ActionConfig;
  values: ActionParamValues;
}

export interface ActionResult {
  ok: boolean;
  /** What ran: the filled argv, or [METHOD, URL] for an HTTP action. Not yet redacted. */
  argv: string[];
  /** The process exit code (argv actions); null for HTTP actions, timeouts and missing programs. */
  exitCode: number | null;
  /** The response status (HTTP actions). */
  httpStatus?: number;
  durationMs: number;
  /** Trimmed stdout/stderr or response body. Not yet redacted: the core redacts on the way out. */
  output: string;
  /** One sentence when it did not succeed. */
  problem?: string;
}

/** Runs the config's custom actions (argv or HTTP templates). The only thing that performs them. */
export interface ActionRunner {
  /** The exact command line or request line `run` would perform, for the confirmation card. */
  describe(req: ActionRequest): string[];
  /** One sentence when these values cannot be sent safely (a URL path segment they would make "." or ".."); null when they can. */
  refusal(req: ActionRequest): string | null;
  run(req: ActionRequest): Promise<ActionResult>;
}

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

// ── metrics and logging ─────────────────────────────────────────────────────

export interface CommandMetrics {
  observeCommand(command: string, outcome: string, seconds: number): void;
}

export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
