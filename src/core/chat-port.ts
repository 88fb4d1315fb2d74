import type { ChannelRef } from './identity.js';
import type { Reply } from './reply.js';

/** Where a posted message lives, so it can be updated in place or pinned. */
export interface MessageRef {
  platform: string;
  channelId: string;
  messageId: string;
}

/**
 * What the core (alerts, incidents, scheduled jobs) may ask of a chat platform on its own
 * initiative, outside a user's request. Slack and Discord implement it in src/chat/*.
 */
export interface ChatPlatformPort {
  readonly platform: string;
  postMessage(channel: { id: string } | { name: string }, reply: Reply): Promise<MessageRef>;
  updateMessage(ref: MessageRef, reply: Reply): Promise<void>;
  createChannel(name: string, opts?: { topic?: string }): Promise<ChannelRef>;
  inviteToChannel(channelId: string, userIds: string[]): Promise<void>;
  pinMessage(ref: MessageRef): Promise<void>;
}
