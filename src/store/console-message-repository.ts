import type { ConsoleChanges, ConsoleChannel, ConsoleMessage, ConsoleMessageStore, NewConsoleMessage } from '../core/console-messages.js';
import type { Reply } from '../core/reply.js';
import type { Db } from './db.js';

interface ChannelRow {
  id: string;
  name: string;
  topic: string | null;
  private: boolean;
  members: string[];
  archived: boolean;
  created_at: Date;
}

interface MessageRow {
  id: number | string;
  channel_id: string | null;
  channel_name: string | null;
  thread_parent_id: number | string | null;
  private_to: string | null;
  reply: Reply;
  pinned: boolean;
  created_at: Date;
  updated_at: Date;
  created_version: number | string;
  version: number | string;
}

function toChannel(r: ChannelRow): ConsoleChannel {
  return { id: r.id, name: r.name, topic: r.topic, private: r.private, members: r.members, archived: r.archived, createdAt: new Date(r.created_at) };
}

function toMessage(r: MessageRow): ConsoleMessage {
  return {
    id: Number(r.id),
    channel: r.channel_id !== null ? { id: r.channel_id, name: r.channel_name ?? r.channel_id } : null,
    threadParentId: r.thread_parent_id === null ? null : Number(r.thread_parent_id),
    privateTo: r.private_to,
    reply: r.reply,
    pinned: r.pinned,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    createdVersion: Number(r.created_version),
    version: Number(r.version),
  };
}

// Every write takes the next tick of the one-row clock in the same statement, so versions follow
// commit order (see 080_console_messages.sql).
const TICK = 'tick AS (UPDATE console_clock SET version = version + 1 RETURNING version)';
const WITH_CHANNEL_NAME = 'SELECT m.*, c.name AS channel_name FROM m LEFT JOIN console_channels c ON c.id = m.channel_id';

/** A name tried with -2, -3… before giving up: far more incident channels a day than anyone opens. */
const MAX_NAME_SUFFIX = 1000;

export class SqlConsoleMessageRepository implements ConsoleMessageStore {
  constructor(private readonly db: Db) {}

  async ensureChannel(name: string): Promise<ConsoleChannel> {
    await this.db.query('INSERT INTO console_channels (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [name]);
    const rows = await this.db.query<ChannelRow>('SELECT * FROM console_channels WHERE name = $1', [name]);
    return toChannel(rows[0]!);
  }

  async createChannel(name: string, opts: { topic?: string; private?: boolean } = {}): Promise<ConsoleChannel> {
    for (let n = 1; n <= MAX_NAME_SUFFIX; n++) {
      const candidate = n === 1 ? name : `${name}-${n}`;
      const rows = await this.db.query<ChannelRow>(
        'INSERT INTO console_channels (name, topic, private) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING *',
        [candidate, opts.topic ?? null, opts.private ?? false],
      );
      if (rows[0]) return toChannel(rows[0]);
    }
    throw new Error(`Console channel names ${name} to ${name}-${MAX_NAME_SUFFIX} are all taken; choose another name.`);
  }

  async channel(id: string): Promise<ConsoleChannel | null> {
    const rows = await this.db.query<ChannelRow>('SELECT * FROM console_channels WHERE id = $1', [id]);
    return rows[0] ? toChannel(rows[0]) : null;
  }

  async setTopic(channelId: string, topic: string): Promise<boolean> {
    const rows = await this.db.query('UPDATE console_channels SET topic = $2 WHERE id = $1 RETURNING id', [channelId, topic]);
    return rows.length > 0;
  }

  async addMembers(channelId: string, userIds: string[]): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE console_channels SET members = ARRAY(SELECT DISTINCT u FROM unnest(members || $2::text[]) AS u ORDER BY u)
       WHERE id = $1 RETURNING id`,
      [channelId, userIds],
    );
    return rows.length > 0;
  }

  async archive(channelId: string): Promise<boolean> {
    const rows = await this.db.query('UPDATE console_channels SET archived = true WHERE id = $1 RETURNING id', [channelId]);
    return rows.length > 0;
  }

  async post(m: NewConsoleMessage): Promise<ConsoleMessage> {
    const rows = await this.db.query<MessageRow>(
      `WITH ${TICK},
       m AS (INSERT INTO console_messages (channel_id, thread_parent_id, private_to, reply, created_version, version)
             SELECT $1, $2, $3, $4, tick.version, tick.version FROM tick RETURNING *)
       ${WITH_CHANNEL_NAME}`,
      [m.channelId, m.threadParentId ?? null, m.privateTo ?? null, JSON.stringify(m.reply)],
    );
    return toMessage(rows[0]!);
  }

  async update(id: number, reply: Reply): Promise<ConsoleMessage | null> {
    return this.change(id, 'reply = $2', [JSON.stringify(reply)]);
  }

  async pin(id: number): Promise<ConsoleMessage | null> {
    return this.change(id, 'pinned = true', []);
  }

  async message(id: number): Promise<ConsoleMessage | null> {
    const rows = await this.db.query<MessageRow>(`WITH m AS (SELECT * FROM console_messages WHERE id = $1) ${WITH_CHANNEL_NAME}`, [id]);
    return rows[0] ? toMessage(rows[0]) : null;
  }

  async changesSince(version: number, viewer: string, limit = 200): Promise<ConsoleChanges> {
    // The clock first: versions follow commit order, so every message up to it is committed and
    // visible to the next statement, and a reader may move its cursor to it when the page is not full.
    const clock = await this.currentVersion();
    const rows = await this.db.query<MessageRow>(
      `WITH m AS (SELECT * FROM console_messages
                  WHERE version > $1 AND version <= $2 AND (private_to IS NULL OR private_to = $3) ORDER BY version LIMIT $4)
       ${WITH_CHANNEL_NAME} ORDER BY m.version`,
      [version, clock, viewer, limit],
    );
    const messages = rows.map(toMessage);
    return { messages, version: messages.length === limit ? messages.at(-1)!.version : Math.max(clock, version) };
  }

  async recent(viewer: string, limit: number): Promise<ConsoleChanges> {
    // The clock first, as in changesSince: every message up to it is visible, and the feed goes on from it.
    const clock = await this.currentVersion();
    const rows = await this.db.query<MessageRow>(
      `WITH m AS (SELECT * FROM console_messages
                  WHERE version <= $1 AND (private_to IS NULL OR private_to = $2) ORDER BY id DESC LIMIT $3)
       ${WITH_CHANNEL_NAME} ORDER BY m.id`,
      [clock, viewer, limit],
    );
    return { version: clock, messages: rows.map(toMessage) };
  }

  async currentVersion(): Promise<number> {
    const rows = await this.db.query<{ version: number | string }>('SELECT version FROM console_clock');
    return Number(rows[0]?.version ?? 0);
  }

  private async change(id: number, set: string, params: unknown[]): Promise<ConsoleMessage | null> {
    const rows = await this.db.query<MessageRow>(
      `WITH ${TICK},
       m AS (UPDATE console_messages SET ${set}, updated_at = now(), version = tick.version FROM tick WHERE id = $1 RETURNING console_messages.*)
       ${WITH_CHANNEL_NAME}`,
      [id, ...params],
    );
    return rows[0] ? toMessage(rows[0]) : null;
  }
}
