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
