import type { Logger } from '../../core/ports.js';
import type { Redactor } from '../../core/redact.js';
import { LINK_ACTION_PREFIX, mentionsFor, safeLinks, statusEmoji, type Reply, type ReplyButton, type ReplyMention } from '../../core/reply.js';
import { cut } from '../../core/text-format.js';
import { escapeMrkdwn, escapeMrkdwnCode, escapeMrkdwnInlineCode } from './markdown.js';

/** Block Kit JSON as Slack takes it. Kept loose on purpose: Slack validates it; golden files pin it. */
export type Block = { type: string; [key: string]: unknown };

export interface SlackMessage {
  /** Notification and screen-reader fallback; Slack shows it where blocks cannot be shown. */
  text: string;
  blocks: Block[];
}

/** Slack's documented limits. Exceeding any of them makes Slack refuse the whole message. */
export const slackLimits = {
  headerText: 150,
  sectionText: 3000,
  fieldText: 2000,
  fieldsPerSection: 10,
  contextText: 2000,
  buttonText: 75,
  actionId: 255,
  url: 3000,
  buttonsPerActions: 25,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  blocks: 50,
} as const;

export interface RenderMeta {
  /**
   * Who did what, appended to the context line: "<@U1> ran `/health api`", "<@U1> pressed Confirm".
   * `what` is what the person typed or the label they pressed: masked and escaped like the reply.
   */
  by?: { userId: string; did: 'ran' | 'pressed'; what: string };
}

export interface RenderOptions {
  /** Every text of the message is masked with it before it is escaped and cut: what people typed too. */
  redactor: Redactor;
  /** Hears about anything that had to be left out rather than cut (a button whose id is too long). */
  log?: Pick<Logger, 'error'>;
}

/**
 * User and tool text must not become links, mentions or formatting: escapeMrkdwn (markdown.ts) for
 * every mrkdwn text object. plain_text (headers, buttons, dialogs) shows it as typed.
 */
export { escapeMrkdwn } from './markdown.js';

const plain = (text: string, max: number) => ({ type: 'plain_text', text: cut(text, max), emoji: true });

function button(b: ReplyButton, log: Pick<Logger, 'error'> | undefined): Block | null {
  // Slack refuses the whole message for a longer id, so the button is left off. The core keeps
  // ids ≤ 90 (a test checks), so this is a bug: say so loudly, or a missing Confirm goes unexplained.
  if (b.actionId.length > slackLimits.actionId) {
    log?.error(
      { actionId: `${b.actionId.slice(0, 60)}…`, length: b.actionId.length, label: b.label },
      `Slack: the button "${b.label}" was left off the card because its action_id is ${b.actionId.length} characters (Slack allows ${slackLimits.actionId}). This is a Firebreak bug.`,
    );
    return null;
  }
  const el: Block = { type: 'button', action_id: b.actionId, text: plain(b.label, slackLimits.buttonText) };
  if (b.style) el.style = b.style;
  if (b.confirm) {
    el.confirm = {
      title: plain(b.confirm.title, slackLimits.confirmTitle),
      text: plain(b.confirm.text, slackLimits.confirmText),
      confirm: plain(b.confirm.confirm, slackLimits.confirmButton),
      deny: plain(b.confirm.deny, slackLimits.confirmButton),
      ...(b.style === 'danger' ? { style: 'danger' } : {}),
    };
  }
  return el;
}

/** Splits lines into sections that each stay under Slack's section text limit. */
function linesToSections(lines: string[]): Block[] {
  const out: Block[] = [];
  let current = '';
  for (const line of lines) {
    const l = cut(line, slackLimits.sectionText);
    if (current && current.length + 1 + l.length > slackLimits.sectionText) {
      out.push({ type: 'section', text: { type: 'mrkdwn', text: current } });
      current = '';
    }
    current = current ? `${current}\n${l}` : l;
  }
  if (current) out.push({ type: 'section', text: { type: 'mrkdwn', text: current } });
  return out;
}

/** The context line's "<@U1> ran `…`": the mention is Firebreak's own, so it is added after escaping. */
function byLine(by: NonNullable<RenderMeta['by']>, redactor: Redactor): string {
  const what = redactor.redact(by.what);
  return `<@${escapeMrkdwn(by.userId)}> ${by.did} ${by.did === 'ran' ? `\`${escapeMrkdwnInlineCode(what)}\`` : escapeMrkdwn(what)}`;
}

/**
 * Firebreak's own mentions in Slack's syntax: a member `<@U…>` (or W… on Enterprise Grid), a user
 * group `<!subteam^S…>`. Anything else is dropped: the id goes into mrkdwn unescaped, so it must be
 * nothing but an id.
 */
function slackMention(m: ReplyMention): string | null {
  if (m.kind === 'user' && /^[UW][A-Z0-9]{2,20}$/.test(m.id)) return `<@${m.id}>`;
  if (m.kind === 'group' && /^S[A-Z0-9]{2,20}$/.test(m.id)) return `<!subteam^${m.id}>`;
  return null;
}

/**
 * The Slack renderer: the neutral Reply as Block Kit (header, rows, fields, text, code, context, buttons).
 * Every Slack message Firebreak sends is made here, so this is where secrets are masked and user text
 * is escaped, once, for everything the message shows.
 */
export function renderBlocks(unmasked: Reply, meta: RenderMeta, opts: RenderOptions): SlackMessage {
  const { redactor, log } = opts;
  const reply = redactor.redactValue(unmasked);
  const blocks: Block[] = [];
  const title = `${statusEmoji[reply.status]} ${reply.title}`;
  blocks.push({ type: 'header', text: plain(title, slackLimits.headerText) });
  // Added after escaping (they are ours), right under the header and in the notification text.
  const mentions = mentionsFor(reply, 'slack')
    .map(slackMention)
    .filter((m): m is string => m !== null)
    .join(' ');
  if (mentions) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(mentions, slackLimits.sectionText) } });

  if (reply.rows && reply.rows.length > 0) {
    // Slack has no aligned table in messages: one line per row, first cell bold, the rest separated.
    const lines = reply.rows.map((r) => {
      const [first = '', ...rest] = r.cells.map(escapeMrkdwn);
      return [`${statusEmoji[r.status]} *${first}*`, ...rest].join(' · ');
    });
    blocks.push(...linesToSections(lines));
  }
  if (reply.fields && reply.fields.length > 0) {
    for (let i = 0; i < reply.fields.length; i += slackLimits.fieldsPerSection) {
      blocks.push({
        type: 'section',
        fields: reply.fields.slice(i, i + slackLimits.fieldsPerSection).map((f) => ({
          type: 'mrkdwn',
          text: cut(`*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`, slackLimits.fieldText),
        })),
      });
    }
  }
  if (reply.text) blocks.push(...linesToSections(escapeMrkdwn(reply.text).split('\n')));
  if (reply.code) {
    const code = escapeMrkdwnCode(reply.code);
    const max = slackLimits.sectionText - 8;
    // Keep the end of long output: the last lines are where a failure says what went wrong.
    const body = code.length <= max ? code : `…${code.slice(code.length - max + 1)}`;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${body}\`\`\`` } });
  }
  const context = [reply.context ? escapeMrkdwn(reply.context) : null, meta.by ? byLine(meta.by, redactor) : null].filter(
    (s): s is string => !!s,
  );
  if (context.length > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: cut(context.join(' · '), slackLimits.contextText) }] });

  const buttons = (reply.buttons ?? []).map((b) => button(b, log)).filter((b): b is Block => b !== null);
  // A URL button: Slack opens the page and still tells the app, which acknowledges it and does nothing (LINK_ACTION_PREFIX).
  safeLinks(reply)
    .filter((l) => l.url.length <= slackLimits.url)
    .forEach((l, i) => buttons.push({ type: 'button', action_id: `${LINK_ACTION_PREFIX}${i}`, text: plain(l.label, slackLimits.buttonText), url: l.url }));
  for (let i = 0; i < buttons.length; i += slackLimits.buttonsPerActions) {
    blocks.push({ type: 'actions', elements: buttons.slice(i, i + slackLimits.buttonsPerActions) });
  }

  if (blocks.length > slackLimits.blocks) {
    const keep = blocks.filter((b) => b.type !== 'actions').slice(0, slackLimits.blocks - 2);
    const tail = blocks.filter((b) => b.type === 'actions').slice(-1);
    blocks.length = 0;
    blocks.push(...keep, { type: 'context', elements: [{ type: 'mrkdwn', text: 'Output shortened: Slack shows at most 50 blocks.' }] }, ...tail);
  }
  // The fallback text is mrkdwn too, and it is what notifications are made of: a <!channel> there would ping.
  const fallback = escapeMrkdwn(reply.text ? `${title}: ${reply.text}` : title);
  return { text: mentions ? `${cut(fallback, Math.max(100, 3000 - mentions.length - 1))} ${mentions}` : cut(fallback, 3000), blocks };
}
