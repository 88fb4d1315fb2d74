import { createHash, randomUUID } from 'node:crypto';
import type { ChannelTarget, ChatPlatformPort, MessageRef, SendOptions } from './chat-port.js';
import type { MessageRefRepository, StoredMessageRef } from './message-refs.js';
import type { Reply } from './reply.js';

export type ShowOutcome =
  /** No message had this key on this platform: it was posted and its ref stored. */
  | 'posted'
  /** The stored message was edited in place. */
  | 'updated'
  /** The stored message already shows exactly this: no call to the platform. */
  | 'unchanged'
  /** Another replica is posting this key right now; it shows the latest state once posted. */
  | 'busy';

export interface ShowResult {
  outcome: ShowOutcome;
  /** Where the message lives; null when busy. */
  ref: MessageRef | null;
}

/**
 * How long a claim may stay unfinished before another replica takes the key over and posts.
 * Longer than any post takes (pacing and 429 waits included), so only a poster that died mid-post
 * is overtaken; a poster that died after posting but before recording leaves a duplicate behind.
 * (One that only failed to record, the store being down, remembers its post: see `unrecorded`.)
 */
export const STALE_CLAIM_MS = 120_000;

/** A message that was posted but whose ref could not be stored: where it is and under which claim. */
interface UnrecordedPost {
  claimId: string;
  ref: MessageRef;
  hash: string;
}

/** More than a replica could post while its store is down for long; the oldest are forgotten first. */
const MAX_UNRECORDED = 1000;

/**
 * Posts whose ref write failed (the store went away between the post and its record), per replica
 * (per refs repository) by key and platform. The next show of the key records the message already
 * posted, before anything else, instead of taking over its own stale claim and posting a second one.
 * Kept in memory only: the store is what just failed.
 */
const unrecorded = new WeakMap<MessageRefRepository, Map<string, UnrecordedPost>>();
const unrecordedOf = (refs: MessageRefRepository) => {
  let m = unrecorded.get(refs);
  if (!m) unrecorded.set(refs, (m = new Map()));
  return m;
};
const slot = (key: string, platform: string) => JSON.stringify([platform, key]);

/** Attempts to record an update before giving up on ordering (each retry means another replica just updated it). */
const MAX_UPDATE_ATTEMPTS = 5;

/** The content of a long-lived message, rendered from the store each time it is shown. */
export type MessageContent = Reply | (() => Promise<Reply>);

/**
 * Shows `content` as the message stored under `key` on `port`'s platform: posts it to `channel`
 * the first time, later edits that message in place (wherever it was posted), and skips the edit
 * when it would render the same as last time. Any replica may call it for the same key.
 *
 * Pass a render function when several replicas change what the message shows: a replica that
 * finds the key being posted returns 'busy' at once instead of waiting, because the poster renders
 * again after recording its post and so shows that replica's change too (it was stored before
 * the claim was seen). For the same reason a lost compare-and-set re-renders and edits again.
 * Platform errors are thrown, with nothing recorded for the failed call.
 */
export async function showMessage(
  refs: MessageRefRepository,
  key: string,
  port: ChatPlatformPort,
  channel: ChannelTarget,
  content: MessageContent,
  opts: { staleClaimMs?: number } & SendOptions = {},
): Promise<ShowResult> {
  const render = typeof content === 'function' ? content : () => Promise.resolve(content);
  const send: SendOptions = opts.priority ? { priority: opts.priority } : {};
  const platform = port.platform;
  const pending = unrecordedOf(refs).get(slot(key, platform));
  if (pending) {
    const adopted = await recordUnrecorded(refs, key, port, render, pending, send);
    if (adopted) return adopted;
  }
  const claimId = randomUUID();
  let stored = await refs.get(key, platform);
  if (!stored) {
    if (await refs.claim(key, platform, claimId)) return post(refs, key, port, channel, render, claimId, send);
    stored = await refs.get(key, platform);
    // Claimed and dropped again (that post failed) between our two reads: the next show posts.
    if (!stored) return { outcome: 'busy', ref: null };
  }
  if (!stored.ref) {
    if (await refs.takeOverStaleClaim(key, platform, claimId, opts.staleClaimMs ?? STALE_CLAIM_MS)) return post(refs, key, port, channel, render, claimId, send);
    return { outcome: 'busy', ref: null };
  }
  return { outcome: await update(refs, port, stored, stored.ref, render, send), ref: stored.ref };
}

async function post(refs: MessageRefRepository, key: string, port: ChatPlatformPort, channel: ChannelTarget, render: () => Promise<Reply>, claimId: string, send: SendOptions): Promise<ShowResult> {
  const reply = await render().catch(async (err: unknown) => {
    await refs.dropClaim(key, port.platform, claimId);
    throw err;
  });
  let ref: MessageRef;
  try {
    ref = await port.postMessage(channel, reply, send);
  } catch (err) {
    await refs.dropClaim(key, port.platform, claimId).catch(() => {});
    throw err;
  }
  const hash = renderedHash(reply);
  let recorded: boolean;
  try {
    recorded = await refs.recordPosted(key, port.platform, claimId, ref, hash);
  } catch (err) {
    // Posted, not recorded: the claim stays, and this replica records the post at the next show.
    const pending = unrecordedOf(refs);
    pending.set(slot(key, port.platform), { claimId, ref, hash });
    if (pending.size > MAX_UNRECORDED) pending.delete(pending.keys().next().value!);
    throw err;
  }
  if (!recorded) {
    throw new Error(
      `Posted "${reply.title}" (${key}) on ${port.platform}, but it took longer than ${STALE_CLAIM_MS / 1000} s and another replica took the key over: the message may appear twice.`,
    );
  }
  // What changed while we posted (a replica that found the key claimed returned 'busy').
  await update(refs, port, { key, platform: port.platform, ref, renderedHash: hash }, ref, render, send);
  return { outcome: 'posted', ref };
}

/**
 * Records a post whose first record failed; null when the key went to another message meanwhile (a
 * replica took the stale claim over and posted: ours stays as it is, and the key keeps theirs).
 * Throws while the store is still down, the post still remembered.
 */
async function recordUnrecorded(refs: MessageRefRepository, key: string, port: ChatPlatformPort, render: () => Promise<Reply>, p: UnrecordedPost, send: SendOptions): Promise<ShowResult | null> {
  const platform = port.platform;
  let recorded = await refs.recordPosted(key, platform, p.claimId, p.ref, p.hash);
  if (!recorded) {
    const stored = await refs.get(key, platform);
    if (stored?.ref && stored.ref.channelId === p.ref.channelId && stored.ref.messageId === p.ref.messageId) {
      // The first write did commit; only its answer was lost.
      unrecordedOf(refs).delete(slot(key, platform));
      return { outcome: await update(refs, port, stored, stored.ref, render, send), ref: stored.ref };
    }
    if (!stored) {
      // The claim is gone (dropped): claim the key again for the message already posted.
      const claimId = randomUUID();
      if (await refs.claim(key, platform, claimId)) {
        p.claimId = claimId; // should this record fail too, the next show records under the new claim
        recorded = await refs.recordPosted(key, platform, claimId, p.ref, p.hash);
      }
    }
  }
  unrecordedOf(refs).delete(slot(key, platform));
  if (!recorded) return null;
  await update(refs, port, { key, platform, ref: p.ref, renderedHash: p.hash }, p.ref, render, send);
  return { outcome: 'posted', ref: p.ref };
}

async function update(refs: MessageRefRepository, port: ChatPlatformPort, stored: StoredMessageRef, ref: MessageRef, render: () => Promise<Reply>, send: SendOptions): Promise<'updated' | 'unchanged'> {
  let expected = stored.renderedHash;
  // After a lost compare-and-set the platform may show either edit, ours or theirs: edit again.
  let mustEdit = false;
  for (let attempt = 0; attempt < MAX_UPDATE_ATTEMPTS; attempt++) {
    const reply = await render();
    const hash = renderedHash(reply);
    if (hash === expected && !mustEdit) return 'unchanged';
    await port.updateMessage(ref, reply, send);
    if (await refs.recordRendered(stored.key, stored.platform, expected, hash)) return 'updated';
    mustEdit = true;
    expected = (await refs.get(stored.key, stored.platform))?.renderedHash ?? null;
  }
  return 'updated';
}

/** sha256 of the Reply as canonical JSON (keys sorted, undefined dropped), so equal replies hash equal. */
export function renderedHash(reply: Reply): string {
  const canonical = JSON.stringify(reply, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : value,
  );
  return createHash('sha256').update(canonical).digest('hex');
}
