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
 */
export const STALE_CLAIM_MS = 120_000;

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
  if (!(await refs.recordPosted(key, port.platform, claimId, ref, hash))) {
    throw new Error(
      `Posted "${reply.title}" (${key}) on ${port.platform}, but it took longer than ${STALE_CLAIM_MS / 1000} s and another replica took the key over: the message may appear twice.`,
    );
  }
  // What changed while we posted (a replica that found the key claimed returned 'busy').
  await update(refs, port, { key, platform: port.platform, ref, renderedHash: hash }, ref, render, send);
  return { outcome: 'posted', ref };
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
