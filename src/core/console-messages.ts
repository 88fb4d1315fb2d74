import type { Reply } from './reply.js';

/**
 * The console platform's channels and messages, kept in the store so `firebreak console` in another
 * process (or on another machine, with PostgreSQL) sees what the system posted. The SQL lives in
 * src/store/console-message-repository.ts; the chat port over it in src/chat/console.
 */
export interface ConsoleChannel {
  id: string;
  name: string;
  topic: string | null;
  private: boolean;
  members: string[];
  archived: boolean;
  createdAt: Date;
}

export interface ConsoleMessage {
  id: number;
  /** Null only for a private message outside any channel. */
  channel: { id: string; name: string } | null;
  /** The message this one is a thread reply to (always the thread's first message). */
  threadParentId: number | null;
  /** Only this console user sees it. */
  privateTo: string | null;
  reply: Reply;
  pinned: boolean;
  createdAt: Date;
  updatedAt: Date;
  /** The store's console clock when it was posted. */
  createdVersion: number;
  /** The clock when it last changed (posted, edited, pinned); unique and increasing in commit order. */
  version: number;
}

export interface ConsoleChanges {
  version: number;
  messages: ConsoleMessage[];
}

export interface NewConsoleMessage {
  channelId: string | null;
  threadParentId?: number | null;
  privateTo?: string | null;
  reply: Reply;
}

export interface ConsoleMessageStore {
  /** The channel with this name, created if there is none (channels are addressed by name, like #incidents). */
  ensureChannel(name: string): Promise<ConsoleChannel>;
  /** A new channel named `name`, or `name-2`, `name-3`… when taken (archived channels keep their names). */
  createChannel(name: string, opts?: { topic?: string; private?: boolean }): Promise<ConsoleChannel>;
  channel(id: string): Promise<ConsoleChannel | null>;
  /** False when there is no such channel. */
  setTopic(channelId: string, topic: string): Promise<boolean>;
  addMembers(channelId: string, userIds: string[]): Promise<boolean>;
  archive(channelId: string): Promise<boolean>;
  post(message: NewConsoleMessage): Promise<ConsoleMessage>;
  /** Null when there is no such message. */
  update(id: number, reply: Reply): Promise<ConsoleMessage | null>;
  pin(id: number): Promise<ConsoleMessage | null>;
  message(id: number): Promise<ConsoleMessage | null>;
  /**
   * Messages posted or changed after `version` that `viewer` may see (public ones and their own
   * private ones), oldest change first, at most `limit`; and the version to ask from next time
   * (past other people's private messages, so they are not looked at again).
   */
  changesSince(version: number, viewer: string, limit?: number): Promise<ConsoleChanges>;
  /**
   * The last `limit` messages posted that `viewer` may see, as they are now, oldest first, and the
   * clock they were read at: what a console opened mid-incident shows before what arrives next.
   */
  recent(viewer: string, limit: number): Promise<ConsoleChanges>;
  /** The clock now: a reader that starts here is shown only what changes from now on. */
  currentVersion(): Promise<number>;
}
