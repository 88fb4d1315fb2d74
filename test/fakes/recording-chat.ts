import type { ChannelTarget, ChatPlatformPort, MessageRef } from '../../src/core/chat-port.js';
import type { ChannelRef } from '../../src/core/identity.js';
import type { Reply } from '../../src/core/reply.js';

/** Records what Firebreak posts on its own initiative (scheduler reports), as a chat platform would receive it. */
export class RecordingChat implements ChatPlatformPort {
  readonly platform = 'recording';
  readonly posted: { channel: string; reply: Reply }[] = [];
  readonly updated: { ref: MessageRef; reply: Reply }[] = [];
  async postMessage(channel: ChannelTarget, reply: Reply): Promise<MessageRef> {
    this.posted.push({ channel: 'name' in channel ? channel.name : channel.id, reply });
    return { platform: this.platform, channelId: 'c', messageId: String(this.posted.length) };
  }
  async updateMessage(ref: MessageRef, reply: Reply): Promise<void> {
    this.updated.push({ ref, reply });
  }
  async replyInThread(parent: MessageRef, reply: Reply): Promise<MessageRef> {
    this.posted.push({ channel: `${parent.channelId}/${parent.messageId}`, reply });
    return { platform: this.platform, channelId: parent.channelId, messageId: String(this.posted.length) };
  }
  async sendPrivate(userId: string, reply: Reply): Promise<void> {
    this.posted.push({ channel: `@${userId}`, reply });
  }
  async createChannel(name: string): Promise<ChannelRef> {
    return { platform: this.platform, id: `C-${name}`, name };
  }
  async inviteToChannel(): Promise<void> {}
  async setTopic(): Promise<void> {}
  async pinMessage(): Promise<void> {}
  async archiveChannel(): Promise<void> {}
}
