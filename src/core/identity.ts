/** Who acted and where. Platform ids are kept verbatim so the timeline can link back to them. */
export interface Actor {
  platform: string;
  id: string;
  /** What people call them: a display name, for replies and the timeline. Never trusted for roles. */
  name: string;
  /**
   * A login name the platform keeps unique and the user cannot simply take from someone else
   * (Discord username, OS user). Roles may name it; platforms without one (Slack display names
   * are free text anyone can set) leave it out and roles must use the id.
   */
  handle?: string;
  /**
   * Console only: the OS account that ran Firebreak, the console's one real identity (`--as` may
   * have given the id another name). Two console actors with the same osUser are one person.
   */
  osUser?: string;
}

export interface ChannelRef {
  platform: string;
  id: string;
  name: string;
  /** The Slack workspace (team id) or Discord server (guild id) it belongs to, when the platform says. */
  workspace?: string;
}
