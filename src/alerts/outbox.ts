/**
 * The alert outbox as the worker sees it (src/store implements it): rows saying "this message must
 * be posted or updated", one per message key and platform, written in the transaction that changed
 * what the message shows. Rows are worked per lane, a platform and channel, because pacing and the
 * storm digest are per channel.
 */
export interface OutboxLane {
  platform: string;
  /** The channel by name, as alert routes give it. */
  channel: string;
}

export interface OutboxRow extends OutboxLane {
  id: string;
  /** e.g. "alert-group:42" (groupMessageKey). */
  key: string;
  /** Bumped by every change of what the message shows; the row is done only if it did not change while sending. */
  version: number;
  attempts: number;
  dueAt: Date;
}

export interface OutboxStore {
  /** Lanes that have a row due now that nobody holds a live claim on, among these platforms. */
  dueLanes(keyPrefix: string, platforms: readonly string[]): Promise<OutboxLane[]>;
  /**
   * Claims the lane's oldest due row for `claimMs` (FOR UPDATE SKIP LOCKED: two workers never get
   * the same row; a crashed worker's claim expires). Null when none is due and free.
   */
  claimNext(lane: OutboxLane, keyPrefix: string, workerId: string, claimMs: number): Promise<OutboxRow | null>;
  /**
   * Done: deletes the row if its version is still the claimed one (true). If a newer change arrived
   * meanwhile, the claim is freed instead and the row is due again (false).
   */
  complete(row: OutboxRow, workerId: string): Promise<boolean>;
  /** Gives the row back, due again in `retryInMs`; with an error, counted as a failed attempt. */
  release(row: OutboxRow, workerId: string, retryInMs: number, error?: string): Promise<void>;
  /** Frees every claim this worker holds (shutdown): another replica takes them at once. */
  releaseAll(workerId: string): Promise<void>;
  /** How many rows the lane has, due or not, claimed or not: the messages that are not up to date. */
  pendingCount(lane: OutboxLane, keyPrefix: string): Promise<number>;
  /** The lane's rows, oldest due first. */
  pending(lane: OutboxLane, keyPrefix: string, limit: number): Promise<OutboxRow[]>;
}

/** A channel's storm digest state, shared by every replica. */
export interface DigestState extends OutboxLane {
  /** Counts this channel's storms; the digest's message keys include it. */
  storm: number;
  open: boolean;
  openedAt: Date | null;
  /** Digest pages posted in this storm (1…pages have message refs). */
  pages: number;
}

export interface DigestStore {
  get(lane: OutboxLane): Promise<DigestState | null>;
  /** Opens a storm (a new storm number) unless one is open; returns the open one. */
  open(lane: OutboxLane): Promise<DigestState>;
  /** Records that `pages` pages of this storm are posted (never fewer than before). */
  postedPages(lane: OutboxLane, storm: number, pages: number): Promise<void>;
  close(lane: OutboxLane, storm: number): Promise<void>;
  /** Lanes with an open storm, among these platforms (they need their digest kept up, then closed). */
  openLanes(platforms: readonly string[]): Promise<OutboxLane[]>;
}
