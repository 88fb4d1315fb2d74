/**
 * Interfaces the edges implement. The core and the commands depend only on these; main.ts
 * builds the concrete classes (store repositories, Redis, probes, kubectl runners) and passes them in.
 */
import type { CheckConfig } from '../config/schema.js';
import type { Actor, ChannelRef } from './identity.js';
import type { PlannedStep } from './outcome.js';
import type { Timeline } from './timeline.js';

// ── timeline (see timeline.ts) and transactions ─────────────────────────────

export type { Timeline, TimelineEvent, TimelineEventInput, TimelineKind, TimelineRepository } from './timeline.js';

/**
 * What one transaction may touch in the core: a state change and the timeline event that records it
 * commit together. A room with its own transactional repository widens it (`BackupsTx` in
 * src/backups/ports.ts); the store's transactor gives every room's.
 */
export interface TxPorts {
  timeline: Timeline;
  confirmations: ConfirmationRepository;
  leases: LeaseRepository;
}

/** Runs `fn` in one store transaction (PGlite: exclusive; PostgreSQL: one pooled client). */
export interface Transactor<Tx extends TxPorts = TxPorts> {
  atomically<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
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
  /** The incident the request counted for (none when left out): the confirmed step counts for it too. */
  incidentId?: string | null;
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
  /**
   * A step that runs without a card (`/run` of a `confirm: false` action) is written as already
   * confirmed, with no one as its decider, when it begins: so the interrupted-step sweep finds it
   * like a confirmed step if its process dies before `markFinished`. Its id is its lease holder's.
   */
  createStarted(c: Omit<Confirmation, 'status' | 'decidedBy' | 'decidedAt' | 'createdAt' | 'expiresAt'>): Promise<void>;
  /** The confirmed step ended in this process (whatever its outcome): the interrupted-step sweep leaves it alone. */
  markFinished(id: string): Promise<void>;
  /** Confirmed steps not marked finished: running somewhere, or orphaned by a process that died. */
  unfinished(): Promise<Confirmation[]>;
  /**
   * Atomically unfinished → finished as interrupted, with its note owed. Exactly one caller across
   * replicas gets the row back; none when its process marked it finished meanwhile.
   */
  markInterrupted(id: string): Promise<Confirmation | null>;
  /** Steps marked interrupted whose note is not posted yet. */
  notesOwed(): Promise<Confirmation[]>;
  noteShown(id: string): Promise<void>;
}

// ── coordination ────────────────────────────────────────────────────────────

export interface Coordination {
  readonly kind: 'redis' | 'memory';
  /** True for the first caller with this key within ttl; false for every repeat (retries, double clicks). */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
  /** Keeps a short-lived value (a secret's key until Confirm) for ttl; never written to the store. */
  hold(key: string, value: string, ttlMs: number): Promise<void>;
  /** The held value, removed as it is read (one use); null when it expired or never was. */
  takeHeld(key: string): Promise<string | null>;
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
  /**
   * Up, but not for long: a certificate that expires within warn_days. `ok` stays true (the health
   * watch raises no alert for it); /health shows the row as a warning with `detail` as the reason.
   */
  warning?: boolean;
}

export interface HealthProber {
  probe(check: CheckConfig): Promise<ProbeResult>;
}

// Deploys and custom actions have their own files; re-exported so importers keep one place.
export type * from './deploy-port.js';
export type * from './action-port.js';

// ── metrics and logging (the Logger is a leaf: logger.ts) ──────────────────────

export interface CommandMetrics {
  observeCommand(command: string, outcome: string, seconds: number): void;
}

export type { Logger } from './logger.js';
