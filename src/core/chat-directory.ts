import type { ChatDirectory, ChatPlatformPort } from './chat-port.js';

/**
 * The chat directory of one process. Slack and Discord register when they start; the console
 * platform is registered by main.ts in every process, so the system always has somewhere to speak.
 */
export class ChatPlatformDirectory implements ChatDirectory {
  private readonly byId = new Map<string, ChatPlatformPort>();

  register(port: ChatPlatformPort): void {
    this.byId.set(port.platform, port);
  }

  get(platform: string): ChatPlatformPort | undefined {
    return this.byId.get(platform);
  }

  all(): ChatPlatformPort[] {
    const ports = [...this.byId.values()];
    return [...ports.filter((p) => p.platform !== 'console'), ...ports.filter((p) => p.platform === 'console')];
  }

  announcers(): ChatPlatformPort[] {
    const chat = this.all().filter((p) => p.platform !== 'console');
    if (chat.length > 0) return chat;
    const console = this.byId.get('console');
    return console ? [console] : [];
  }
}
