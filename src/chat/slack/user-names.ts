import type { SlackApi } from './api.js';

const TTL_MS = 10 * 60_000;

/**
 * Slack user id → the display name people know, for replies and the timeline. One users.info per
 * user per 10 minutes; when Slack cannot tell us, the name from the request is good enough.
 */
export class UserNames {
  private readonly cache = new Map<string, { name: string; until: number }>();

  constructor(private readonly api: SlackApi) {}

  async name(userId: string, fallback: string | undefined): Promise<string> {
    const hit = this.cache.get(userId);
    if (hit && hit.until > Date.now()) return hit.name;
    let name = fallback || userId;
    try {
      const r = await this.api.call('users.info', undefined, () => this.api.client.users.info({ user: userId }));
      name = r.user?.profile?.display_name || r.user?.real_name || r.user?.name || name;
    } catch {
      // Logged by SlackApi.call; the request's own user name stands in.
    }
    this.cache.set(userId, { name, until: Date.now() + TTL_MS });
    return name;
  }
}
