/**
 * The platform-neutral message every command returns. Each chat platform has one renderer
 * (console text, Slack Block Kit, Discord embeds); commands never build platform JSON.
 */
export type ReplyStatus = 'ok' | 'warning' | 'error' | 'info' | 'pending';

export interface ReplyField {
  label: string;
  value: string;
}

/** One line of a status table, e.g. one health check. `cells` are aligned as columns by renderers that can. */
export interface ReplyRow {
  status: ReplyStatus;
  cells: string[];
}

export interface ReplyButton {
  /** Routed back to the core by every platform; ≤ 90 chars so it fits Discord's 100-char custom_id with a prefix. */
  actionId: string;
  label: string;
  style?: 'primary' | 'danger';
  /** Destructive buttons ask once more in the platform's own dialog where it has one. */
  confirm?: { title: string; text: string; confirm: string; deny: string };
}

/**
 * A button that opens a web page (Open timeline): the platform opens the URL itself and nothing
 * comes back to Firebreak. Only http(s) URLs; renderers leave any other out.
 */
export interface ReplyLink {
  label: string;
  url: string;
}

/** Slack sends a click on a URL button to the app too: this prefix marks it as one to acknowledge and ignore. */
export const LINK_ACTION_PREFIX = 'link:';

/** The links a renderer may show: http(s) only. */
export function safeLinks(reply: Pick<Reply, 'links'>): ReplyLink[] {
  return (reply.links ?? []).filter((l) => /^https?:\/\/[^\s]+$/i.test(l.url));
}

/**
 * Someone Firebreak pings on purpose (an escalation step's on-call). Reply text is escaped so it can
 * never ping; these are the only mentions a message makes. Each renderer shows the ones of its own
 * platform, in that platform's syntax, after escaping everything else, and drops ids that do not look
 * like that platform's ids.
 */
export interface ReplyMention {
  /** "slack", "discord", "console": a Reply sent to every announcer carries each platform's own. */
  platform: string;
  /** A person, or a group of them: a Slack user group (S…), a Discord role. */
  kind: 'user' | 'group';
  id: string;
}

export interface Reply {
  title: string;
  status: ReplyStatus;
  text?: string;
  fields?: ReplyField[];
  rows?: ReplyRow[];
  /** Preformatted output, e.g. an excerpt of stdout/stderr. Already redacted. */
  code?: string;
  /** A short trailing line: the exact command that ran, who confirmed, timings. */
  context?: string;
  buttons?: ReplyButton[];
  /** Buttons that open a page (after the action buttons). */
  links?: ReplyLink[];
  /** People and groups to notify (see ReplyMention); shown in a line of their own. */
  mentions?: ReplyMention[];
  /** Only the invoking user should see it (denials, usage errors). */
  ephemeral?: boolean;
}

export const statusEmoji: Record<ReplyStatus, string> = {
  ok: '✅',
  warning: '⚠️',
  error: '❌',
  info: 'ℹ️',
  pending: '⏳',
};

export function errorReply(title: string, text: string): Reply {
  return { title, status: 'error', text, ephemeral: true };
}

/** The mentions of a Reply meant for `platform`. */
export function mentionsFor(reply: Reply, platform: string): ReplyMention[] {
  return (reply.mentions ?? []).filter((m) => m.platform === platform);
}
