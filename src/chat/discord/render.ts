import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  EmbedBuilder,
  MessageFlags,
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
  type APIEmbed,
  type APIEmbedField,
} from 'discord.js';
import type { Redactor } from '../../core/redact.js';
import { mentionsFor, safeLinks, statusEmoji, type Reply, type ReplyButton, type ReplyRow, type ReplyStatus } from '../../core/reply.js';
import { cut } from '../../core/text-format.js';
import { escapeDiscordMarkdown } from './markdown.js';

/** The body of a message we send or edit: what interaction callbacks, webhooks and channel messages share. */
export interface DiscordMessage {
  content?: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIComponentInMessageActionRow>[];
  flags?: number;
  /**
   * Output of commands and typed text may contain "@everyone", "<@&role>" or "<@id>": nothing is
   * parsed for pings. Only the Reply's own mentions are allowed, by id (they are in `content`).
   */
  allowed_mentions: { parse: []; users?: string[]; roles?: string[] };
}

export const statusColour: Record<ReplyStatus, number> = {
  ok: 0x2eb67d,
  warning: 0xecb22e,
  error: 0xe01e5a,
  info: 0x5865f2,
  pending: 0x99aab5,
};

/** Discord's limits, a little under so an ellipsis fits. */
const LIMITS = { title: 256, description: 4000, fieldName: 256, fieldValue: 1024, fields: 25, footer: 2048, embedTotal: 5990, buttonLabel: 80, linkUrl: 512, buttonsPerRow: 5, rows: 5, allowedMentions: 100 };
/** The name of a field that continues the description's rows: a zero-width space, as a name must not be empty. */
const ROW_FIELD_NAME = '\u200b';

/** A Discord snowflake: the only thing a mention of ours may contain. */
const DISCORD_ID = /^\d{5,25}$/;

/**
 * Reply text comes from people, tools and alerts. Mentions in it never ping (embeds do not, and every
 * body says allowed_mentions: { parse: [] }), and its Markdown is escaped (discord-markdown.ts), so a
 * note cannot bold, strike or hide part of a card. A masked link "[click](https://evil)" would show
 * a harmless word for any URL: an invisible space between "]" and "(" leaves it as typed.
 */
function asText(s: string): string {
  return escapeDiscordMarkdown(s).replaceAll('](', ']\u200b(');
}

/** "@everyone" and "@here" in message content read as typed but cannot ping, whatever allowed_mentions says. */
export function quietMassMentions(s: string): string {
  return s.replace(/@(everyone|here)\b/g, '@\u200b$1');
}

function buttonStyle(b: ReplyButton): ButtonStyle {
  if (b.style === 'danger') return ButtonStyle.Danger;
  if (b.style === 'primary') return ButtonStyle.Primary;
  return ButtonStyle.Secondary;
}

function rowLine(r: ReplyRow): string {
  return `${statusEmoji[r.status]} ${r.cells.map((c, i) => (i === 0 ? `**${asText(c)}**` : asText(c))).filter((c) => c !== '').join(' · ')}`;
}

/** The text and code block, as the description shows them after `before` (its rows, or nothing). */
function textParts(reply: Reply, before: readonly string[]): string[] {
  const parts = [...before];
  if (reply.text) parts.push(asText(reply.text));
  if (reply.code) {
    // Leave room for the fences; a code excerpt is the part worth trimming.
    const room = LIMITS.description - parts.join('\n\n').length - 12;
    parts.push(`\`\`\`\n${cut(reply.code.replace(/```/g, '`\u200b``'), Math.max(50, room))}\n\`\`\``);
  }
  return parts.slice(before.length);
}

/** The longest run of `lines` from the start whose joined length fits `room`. */
function linesFitting(lines: readonly string[], room: number): number {
  let n = 0;
  let used = -1;
  while (n < lines.length && used + 1 + lines[n]!.length <= room) used += 1 + lines[n++]!.length;
  return n;
}

/**
 * The description, and the rows it had no room for. Rows come first; when they do not all fit
 * (a storm digest page), the text goes first and the rows continue in fields (see renderDiscord).
 */
function description(reply: Reply): { text: string | undefined; overflow: string[] } {
  const lines = (reply.rows ?? []).map(rowLine);
  const rows = lines.join('\n');
  const before = rows ? [rows] : [];
  const parts = [...before, ...textParts(reply, before)];
  const d = parts.join('\n\n');
  if (d.length <= LIMITS.description || lines.length < 2) return { text: d === '' ? undefined : cut(d, LIMITS.description), overflow: [] };
  const head = textParts(reply, []).join('\n\n');
  const fit = linesFitting(lines, LIMITS.description - head.length - (head ? 2 : 0));
  const text = [head, lines.slice(0, fit).join('\n')].filter((p) => p !== '').join('\n\n');
  return { text: text === '' ? undefined : cut(text, LIMITS.description), overflow: lines.slice(fit) };
}

/**
 * Rows past the description, in fields of whole lines (a field name must not be empty: an
 * invisible one), within the fields and characters the embed has left. Rows with no room left are
 * counted in the last field rather than dropped without a word.
 */
function rowFields(lines: readonly string[], maxFields: number, chars: number): APIEmbedField[] {
  const chunks: string[][] = [];
  let left = chars;
  let next = 0;
  while (next < lines.length && chunks.length < maxFields) {
    const n = linesFitting(lines.slice(next), Math.min(LIMITS.fieldValue, left - ROW_FIELD_NAME.length));
    if (n === 0) break;
    const chunk = lines.slice(next, next + n);
    chunks.push(chunk);
    left -= ROW_FIELD_NAME.length + chunk.join('\n').length;
    next += n;
  }
  const last = chunks.at(-1);
  if (next < lines.length && last) {
    // The last field gives up rows until the count of those not shown fits in it.
    const room = Math.min(LIMITS.fieldValue, last.join('\n').length + left);
    const note = () => `… and ${lines.length - next} more`;
    while (last.length > 0 && [...last, note()].join('\n').length > room) {
      last.pop();
      next--;
    }
    last.push(note());
  }
  return chunks.map((c) => ({ name: ROW_FIELD_NAME, value: c.join('\n'), inline: false }));
}

/** An embed's characters as Discord counts them against its 6,000: title, description, fields, footer. */
function embedChars(e: APIEmbed): number {
  return (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0) + (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);
}

/**
 * The Discord renderer: one embed coloured by status, the card's buttons in action rows
 * (five a row, destructive ones red). Denials and usage errors are ephemeral (flag 64).
 * Discord has no confirm dialog on buttons; the confirmation card is itself that step.
 * Every message body Firebreak sends to Discord is made here, so secrets are masked here, once,
 * before anything is cut to Discord's limits.
 */
export function renderDiscord(unmasked: Reply, redactor: Redactor): DiscordMessage {
  const reply = redactor.redactValue(unmasked);
  const embed = new EmbedBuilder().setTitle(cut(`${statusEmoji[reply.status]} ${asText(reply.title)}`, LIMITS.title)).setColor(statusColour[reply.status]);
  const desc = description(reply);
  if (desc.text) embed.setDescription(desc.text);
  const footer = reply.context ? { text: cut(reply.context, LIMITS.footer) } : undefined;
  const own = (reply.fields ?? [])
    .slice(0, LIMITS.fields)
    .map((f) => ({ name: cut(asText(f.label) || '—', LIMITS.fieldName), value: cut(asText(f.value) || '—', LIMITS.fieldValue), inline: f.value.length <= 40 }));
  const chars = (fields: APIEmbedField[]) => embedChars({ ...embed.toJSON(), fields, ...(footer ? { footer } : {}) });
  // Discord refuses a message whose embed holds more than 6,000 characters in all: the description gives way first.
  const over = chars(own) - LIMITS.embedTotal;
  if (over > 0 && desc.text) embed.setDescription(cut(desc.text, Math.max(1, desc.text.length - over)));
  const ownFields = own.filter((_, i) => chars(own.slice(0, i + 1)) <= LIMITS.embedTotal);
  const fields = [...rowFields(desc.overflow, LIMITS.fields - ownFields.length, LIMITS.embedTotal - chars(ownFields)), ...ownFields];
  if (fields.length > 0) embed.addFields(fields);
  if (footer) embed.setFooter(footer);

  const components: DiscordMessage['components'] = [];
  // A custom_id over 100 chars cannot be sent; the core keeps action ids under 90, so this is a guard only.
  const buttons = (reply.buttons ?? []).filter((b) => b.actionId.length <= 100).slice(0, LIMITS.buttonsPerRow * LIMITS.rows);
  for (let i = 0; i < buttons.length; i += LIMITS.buttonsPerRow) {
    const row = new ActionRowBuilder<ButtonBuilder>();
    for (const b of buttons.slice(i, i + LIMITS.buttonsPerRow)) {
      row.addComponents(new ButtonBuilder().setCustomId(b.actionId).setLabel(cut(b.label, LIMITS.buttonLabel)).setStyle(buttonStyle(b)));
    }
    components.push(row.toJSON());
  }
  // Link buttons (style 5) open the page in the browser; Discord sends no interaction for them.
  const links = safeLinks(reply).filter((l) => l.url.length <= LIMITS.linkUrl);
  if (links.length > 0 && components.length < LIMITS.rows) {
    const row = new ActionRowBuilder<ButtonBuilder>();
    for (const l of links.slice(0, LIMITS.buttonsPerRow)) row.addComponents(new ButtonBuilder().setStyle(ButtonStyle.Link).setURL(l.url).setLabel(cut(l.label, LIMITS.buttonLabel)));
    components.push(row.toJSON());
  }
  const message: DiscordMessage = { embeds: [embed.toJSON()], components, allowed_mentions: { parse: [] } };
  // Mentions in embeds never ping, so Firebreak's own go in content, and allowed_mentions names exactly them.
  const mentions = mentionsFor(reply, 'discord').filter((m) => DISCORD_ID.test(m.id));
  const users = [...new Set(mentions.filter((m) => m.kind === 'user').map((m) => m.id))].slice(0, LIMITS.allowedMentions);
  const roles = [...new Set(mentions.filter((m) => m.kind === 'group').map((m) => m.id))].slice(0, LIMITS.allowedMentions);
  if (users.length + roles.length > 0) {
    message.content = [...users.map((id) => `<@${id}>`), ...roles.map((id) => `<@&${id}>`)].join(' ');
    if (users.length > 0) message.allowed_mentions.users = users;
    if (roles.length > 0) message.allowed_mentions.roles = roles;
  }
  if (reply.ephemeral) message.flags = MessageFlags.Ephemeral;
  return message;
}
