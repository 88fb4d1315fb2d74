import type { MessageRef } from './chat-port.js';

/** One stored message ref: what a long-lived message shows (its key) and where it lives on one platform. */
export interface StoredMessageRef {
  key: string;
  platform: string;
  /** Null while the message is being posted (a replica holds the claim). */
  ref: MessageRef | null;
  /** sha256 of the Reply last shown; null while being posted. */
  renderedHash: string | null;
}

/**
 * Stored message refs, keyed by (key, platform). Every write is one conditional statement, so two
 * replicas can never both claim a key or both record an update over the same rendering.
 */
export interface MessageRefRepository {
  get(key: string, platform: string): Promise<StoredMessageRef | null>;
  /** True for the one caller that inserted the claim; false when the key already has a row. */
  claim(key: string, platform: string, claimId: string): Promise<boolean>;
  /** Takes over a claim nobody finished within `olderThanMs` (its poster died mid-post). */
  takeOverStaleClaim(key: string, platform: string, claimId: string, olderThanMs: number): Promise<boolean>;
  /** The claimed message was posted. False when the claim was taken over meanwhile. */
  recordPosted(key: string, platform: string, claimId: string, ref: MessageRef, renderedHash: string): Promise<boolean>;
  /** The post failed: frees the key so a later attempt can post. */
  dropClaim(key: string, platform: string, claimId: string): Promise<void>;
  /** Compare-and-set of the rendered hash; false when another replica recorded an update since `expectedHash` was read. */
  recordRendered(key: string, platform: string, expectedHash: string | null, renderedHash: string): Promise<boolean>;
}
