import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  EmbedBuilder,
  MessageFlags,
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
  type APIEmbed,
} from 'discord.js';
import type { Redactor } from '../../core/redact.js';
import { mentionsFor, statusEmoji, type Reply, type ReplyButton, type ReplyStatus } from '../../core/reply.js';

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
const LIMITS = { title: 256, description: 4000, fieldName: 256, fieldValue: 1024, fields: 25, footer: 2048, buttonLabel: 80, buttonsPerRow: 5, rows: 5, allowedMentions: 100 };

/** A Discord snowflake: the only thing a mention of ours may contain. */
const DISCORD_ID = /^\d{5,25}$/;

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/**
 * Reply text comes from people, tools and alerts. Mentions in it never ping (embeds do not, and every
 * body says allowed_mentions: { parse: [] }), but a masked link "[click](https://evil)" would show a
 * harmless word for any URL: an invisible space between "]" and "(" leaves it as typed.
 */
function asText(s: string): string {
  return s.replaceAll('](', ']\u200b(');
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

function description(reply: Reply): string | undefined {
  const parts: string[] = [];
  if (reply.rows && reply.rows.length > 0) {
    parts.push(reply.rows.map((r) => `${statusEmoji[r.status]} ${r.cells.map((c, i) => (i === 0 ? `**${asText(c)}**` : asText(c))).filter((c) => c !== '').join(' · ')}`).join('\n'));
  }
  if (reply.text) parts.push(asText(reply.text));
  if (reply.code) {
    // Leave room for the fences; a code excerpt is the part worth trimming.
    const room = LIMITS.description - parts.join('\n\n').length - 12;
    parts.push(`\`\`\`\n${cut(reply.code.replace(/```/g, '`\u200b``'), Math.max(50, room))}\n\`\`\``);
  }
  const d = parts.join('\n\n');
  return d === '' ? undefined : cut(d, LIMITS.description);
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
  if (desc) embed.setDescription(desc);
  const fields = (reply.fields ?? []).slice(0, LIMITS.fields);
  if (fields.length > 0) {
    embed.addFields(fields.map((f) => ({ name: cut(asText(f.label) || '—', LIMITS.fieldName), value: cut(asText(f.value) || '—', LIMITS.fieldValue), inline: f.value.length <= 40 })));
  }
  if (reply.context) embed.setFooter({ text: cut(reply.context, LIMITS.footer) });

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
