import type { ChannelRef } from './identity.js';
import type { Reply } from './reply.js';

/** Where a posted message lives, so it can be updated in place, threaded under or pinned. */
export interface MessageRef {
  platform: string;
  channelId: string;
  messageId: string;
}

/** A channel by id, or by the name people know it by (`incidents`, without `#`). */
export type ChannelTarget = { id: string } | { name: string };

/**
 * Who waits for an outbound message, which decides its place in a channel's queue where the platform
 * paces messages (Slack sends about one a second per channel, and an alert storm fills that queue).
 * - `person`: someone typed a command or pressed a button and watches for the answer. Filled by the
 *   Slack delivery for what it shows of an invocation: "running…", progress and the result.
 * - `system`: Firebreak speaks on its own: alert cards and the storm digest (filled by the outbox
 *   worker), reminders, reports, escalations. The default.
 * Honoured by the Slack pacer: a person's message goes before every system message waiting for the
 * channel, on this replica and, through the shared slot, on the others; the storm digest absorbs the
 * delay. Discord answers a person through the interaction's own response and webhook, which the
 * channel's rate limit does not hold, so it has no queue to reorder; the console has no queue.
 */
export type OutboundPriority = 'person' | 'system';

/** How one outbound message is sent; filled by whoever initiates it. */
export interface SendOptions {
  /** See OutboundPriority; 'system' when not given. */
  priority?: OutboundPriority;
}

/**
 * What the core (alerts, incidents, scheduled jobs) may ask of a chat platform on its own
 * initiative, outside a user's request. Slack, Discord and the console implement it in src/chat/*.
 * Every method throws a ChatOperationError-like Error with one sentence a person can act on.
 */
export interface ChatPlatformPort {
  readonly platform: string;
  postMessage(channel: ChannelTarget, reply: Reply, opts?: SendOptions): Promise<MessageRef>;
  updateMessage(ref: MessageRef, reply: Reply, opts?: SendOptions): Promise<void>;
  /** A reply under `parent` (a Slack thread; a Discord reply to the message; the console indents it). */
  replyInThread(parent: MessageRef, reply: Reply, opts?: SendOptions): Promise<MessageRef>;
  /**
   * Only this user sees it: an ephemeral message in `channelId` where the platform has them (Slack),
   * else a direct message (Discord), else the console's private line.
   */
  sendPrivate(userId: string, reply: Reply, opts?: { channelId?: string } & SendOptions): Promise<void>;
  /**
   * Creates a channel named as close to `name` as the platform allows (see channelNameFor); a
   * taken name gets `-2`, `-3`… The returned ref carries the name actually created.
   */
  createChannel(name: string, opts?: { topic?: string; private?: boolean; /** Discord: the category to create it under; others ignore it. */ parentId?: string }): Promise<ChannelRef>;
  inviteToChannel(channelId: string, userIds: string[]): Promise<void>;
  setTopic(channelId: string, topic: string): Promise<void>;
  pinMessage(ref: MessageRef): Promise<void>;
  archiveChannel(channelId: string): Promise<void>;
}

/**
 * Platform id → its chat port, for commands, button handlers and domain services. Platforms
 * register when they start; the console is always there.
 */
export interface ChatDirectory {
  get(platform: string): ChatPlatformPort | undefined;
  /** Every registered platform, console last. */
  all(): ChatPlatformPort[];
  /**
   * Where the system speaks on its own (a backup report, an alert card): the configured chat
   * platforms (Slack, Discord), or the console when none is configured.
   */
  announcers(): ChatPlatformPort[];
}
