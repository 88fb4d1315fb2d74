import type { ChatPlatformPort, MessageRef } from '../../src/core/chat-port.js';
import type { Reply } from '../../src/core/reply.js';

/** Records what Firebreak posts on its own initiative (scheduler reports), as a chat platform would receive it. */
export class RecordingChat implements ChatPlatformPort {
  readonly platform = 'recording';
  readonly posted: { channel: string; reply: Reply }[] = [];
  async postMessage(channel: { id: string } | { name: string }, reply: Reply): Promise<MessageRef> {
    this.posted.push({ channel: 'name' in channel ? channel.name : channel.id, reply });
    return { platform: this.platform, channelId: 'c', messageId: String(this.posted.length) };
  }
  async updateMessage(): Promise<void> {}
  async createChannel(): Promise<never> {
    throw new Error('not used');
  }
  async inviteToChannel(): Promise<void> {}
  async pinMessage(): Promise<void> {}
}
