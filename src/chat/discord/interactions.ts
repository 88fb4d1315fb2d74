import type { ServerResponse } from 'node:http';
import { InteractionResponseType, MessageFlags, type REST } from 'discord.js';
import type { DispatchResult, Invocation, InvocationInput } from '../../core/dispatcher.js';
import type { Actor, ChannelRef } from '../../core/identity.js';
import { parseCommandText } from '../../core/parser.js';
import type { DeliveryClaims } from '../../core/delivery-claims.js';
import type { Logger } from '../../core/ports.js';
import type { Redactor } from '../../core/redact.js';
import type { CommandCatalog } from '../../core/command-catalog.js';
import type { Reply } from '../../core/reply.js';
import type { RawArgs } from '../../core/spec.js';
import type { Router } from '../../http/router.js';
import { json } from '../../http/server.js';
import { deliverInvocation, InFlightWork } from '../../core/delivery.js';
import { ADD_TO_TIMELINE } from './command-definitions.js';
import type { DiscordChat } from './chat-port.js';
import { DiscordDelivery, ephemeralText } from './delivery.js';
import { InteractionResponder } from './interaction-responder.js';
import { DISCORD_PLATFORM } from './platform-id.js';
import { interactionSchema, InteractionKind, type CommandOption, type Interaction } from './interaction-schema.js';
import { renderDiscord } from './render.js';
import { modalCommand, secretModal, submittedSecrets } from './secret-modal.js';
import type { SecretPrompt } from '../../core/secret-prompt.js';
import { discordPublicKey, verifyDiscordSignature } from './verify-signature.js';

export const DISCORD_INTERACTIONS_PATH = '/discord/interactions';

/** Discord gives 3 s for the first answer; past this we defer and edit the message later. */
const DEFAULT_DEFER_AFTER_MS = 1000;
/**
 * A signed request older (or newer, for a skewed clock) than this is refused: a captured request
 * replayed later must not run again once its dedupe key has expired. Interaction tokens live 15 min.
 */
const MAX_SIGNATURE_AGE_MS = 10 * 60_000;
const DEDUPE_TTL_MS = 2 * MAX_SIGNATURE_AGE_MS + 60_000;
const SUB_COMMAND = 1;
const MESSAGE_COMMAND = 3;

export interface DiscordInteractionsDeps {
  publicKey: string;
  applicationId: string;
  dispatcher: { dispatch(inv: Invocation, sink?: { progress(reply: Reply): Promise<void> }): Promise<DispatchResult>; secretPrompt?(inv: Invocation): SecretPrompt | null };
  registry: CommandCatalog;
  /** Runs each interaction once: Redis, with the store for mutating ones when Redis is unreachable. */
  deliveries: DeliveryClaims;
  rest: REST;
  /** Where placements beyond the interaction's own messages go (threads, other channels). */
  chat: DiscordChat;
  logger: Logger;
  /** Masks secrets in every message body sent to Discord (see renderDiscord). */
  redactor: Redactor;
  deferAfterMs?: number;
  /** How long an interaction token is used before results go through the bot token (default 14 min). */
  tokenLifetimeMs?: number;
  /** Told the guild of every interaction, so the chat port knows where to create channels. */
  onGuild?(guildId: string): void;
  /** chat.max_waiting: interactions still running past which a new slash command is refused (busy). */
  maxWaiting?: number;
}

export class InteractionInputError extends Error {}

/** What the endpoint leaves running after it answered: deferred dispatches and their delivery to Discord. */
export interface DiscordInteractions {
  /** Deferred interactions whose result has not reached Discord yet. */
  readonly inFlight: number;
  /**
   * Waits for them (including any that start meanwhile) up to `timeoutMs`; resolves with what was
   * still running then, e.g. ["/backup now by alice"], so shutdown can say what it abandoned.
   */
  drain(timeoutMs: number): Promise<string[]>;
}

/** "/backup list" for a slash command (name and sub-command, never the arguments), else "your button click". */
function whatOf(i: Interaction): string {
  if (i.type === InteractionKind.ModalSubmit) return (modalCommand(i.data?.custom_id) ?? '').split(' ')[0] || 'your form';
  if (i.type !== InteractionKind.ApplicationCommand || !i.data?.name) return 'your button click';
  const sub = i.data.options?.find((o) => o.type === SUB_COMMAND);
  return sub ? `/${i.data.name} ${sub.name}` : `/${i.data.name}`;
}

function actorOf(i: Interaction): Actor {
  const user = i.member?.user ?? i.user;
  if (!user) throw new InteractionInputError('interaction has no user');
  // The username is unique and is what roles list as discord:NAME; ids work too.
  return { platform: DISCORD_PLATFORM, id: user.id, name: user.username, handle: user.username };
}

function channelOf(i: Interaction): ChannelRef {
  const id = i.channel?.id ?? i.channel_id;
  if (!id) throw new InteractionInputError('interaction has no channel');
  return { platform: DISCORD_PLATFORM, id, name: i.channel?.name ?? id, ...(i.guild_id ? { workspace: i.guild_id } : {}) };
}

/** Options as Discord sends them → the same RawArgs the text parser builds. */
export function rawArgsFromOptions(
  registry: CommandCatalog,
  command: string,
  options: readonly CommandOption[] = [],
  /** Who a user option names (Discord sends the id as the value, the user here). */
  resolvedUsers: Readonly<Record<string, { username: string; global_name?: string | null }>> = {},
): RawArgs {
  const raw: RawArgs = {};
  let params = registry.get(command)?.params ?? [];
  let opts = options;
  const sub = options.find((o) => o.type === SUB_COMMAND);
  if (sub) {
    raw.subcommand = sub.name;
    params = registry.get(command)?.subcommands?.find((s) => s.name === sub.name)?.params ?? [];
    opts = sub.options ?? [];
  }
  for (const o of opts) {
    if (o.value === undefined) continue;
    const spec = params.find((p) => p.name === o.name);
    if (spec?.type === 'user') {
      // The same mention text Slack sends, so commands read people one way: <@ID|name>.
      const id = String(o.value);
      const user = resolvedUsers[id];
      raw[o.name] = user ? `<@${id}|${user.username}>` : `<@${id}>`;
    } else if (spec?.rest === true) {
      // One text box holds every remaining word; split it the way chat text is split (quotes group).
      const parsed = parseCommandText(`/x ${String(o.value)}`);
      raw[o.name] = [...parsed.positionals, ...Object.entries(parsed.flags).map(([k, v]) => (v === true ? `--${k}` : `--${k}=${v}`))];
    } else {
      raw[o.name] = typeof o.value === 'boolean' ? o.value : String(o.value);
    }
  }
  return raw;
}

/** A Discord message command (type 3), by its name, as the command it stands for. */
function messageCommandInput(i: Interaction): InvocationInput | null {
  if (i.data?.type !== MESSAGE_COMMAND) return null;
  if (i.data.name !== ADD_TO_TIMELINE) throw new InteractionInputError(`message command "${i.data.name ?? ''}" is not one Firebreak registers`);
  const target = i.data.target_id;
  const message = target ? i.data.resolved?.messages?.[target] : undefined;
  if (!target || !message) throw new InteractionInputError('message command without its message');
  const author = message.author ? { author: `<@${message.author.id}|${message.author.username}>` } : {};
  return { kind: 'options', command: 'incident', args: { subcommand: 'mark', text: message.content || '(a message without text)', message: target, ...author } };
}

function invocationOf(i: Interaction, registry: CommandCatalog): Invocation {
  let input: InvocationInput;
  const marked = messageCommandInput(i);
  if (marked) {
    input = marked;
  } else if (i.type === InteractionKind.ModalSubmit) {
    const text = modalCommand(i.data?.custom_id);
    if (text === null) throw new InteractionInputError('modal submission Firebreak did not open');
    return { actor: actorOf(i), channel: channelOf(i), input: { kind: 'text', text }, secrets: submittedSecrets(i.data?.components ?? []) };
  } else if (i.type === InteractionKind.ApplicationCommand) {
    const name = i.data?.name;
    if (!name) throw new InteractionInputError('application command without a name');
    input = { kind: 'options', command: name, args: rawArgsFromOptions(registry, name, i.data?.options, i.data?.resolved?.users) };
  } else {
    const customId = i.data?.custom_id;
    if (!customId) throw new InteractionInputError('component interaction without a custom_id');
    input = { kind: 'action', actionId: customId };
  }
  return { actor: actorOf(i), channel: channelOf(i), input };
}



/**
 * POST /discord/interactions: verify, dedupe, dispatch, answer within Discord's 3 s.
 * The returned handle drains deferred work at shutdown, so a result is not cut off by the store closing.
 */
export function registerDiscordInteractions(router: Router, deps: DiscordInteractionsDeps): DiscordInteractions {
  const work = new InFlightWork(deps.logger, deps.maxWaiting);
  const inFlight: DiscordInteractions = { get inFlight() { return work.size; }, drain: (ms) => work.drain(ms) };
  const key = discordPublicKey(deps.publicKey);
  const deferAfterMs = deps.deferAfterMs ?? DEFAULT_DEFER_AFTER_MS;
  router.add('POST', DISCORD_INTERACTIONS_PATH, async (req, res) => {
    const signature = req.headers['x-signature-ed25519'];
    const timestamp = req.headers['x-signature-timestamp'];
    if (!verifyDiscordSignature(key, typeof signature === 'string' ? signature : undefined, typeof timestamp === 'string' ? timestamp : undefined, req.rawBody)) {
      return json(401, { error: 'invalid request signature' });
    }
    const ageMs = Date.now() - Number(timestamp) * 1000;
    if (!Number.isFinite(ageMs) || Math.abs(ageMs) > MAX_SIGNATURE_AGE_MS) {
      return json(401, { error: 'request timestamp is too old or in the future; check this machine\'s clock' });
    }
    let body: unknown;
    try {
      body = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      return json(400, { error: 'body must be JSON' });
    }
    const parsed = interactionSchema.safeParse(body);
    if (!parsed.success) return json(400, { error: 'not a Discord interaction' });
    const i = parsed.data;
    if (i.type === InteractionKind.Ping) return json(200, { type: InteractionResponseType.Pong });
    if (i.type === InteractionKind.Autocomplete) return json(200, { type: InteractionResponseType.ApplicationCommandAutocompleteResult, data: { choices: [] } });
    if (i.type !== InteractionKind.ApplicationCommand && i.type !== InteractionKind.MessageComponent && i.type !== InteractionKind.ModalSubmit) {
      return json(400, { error: `interaction type ${i.type} is not handled` });
    }
    if (i.guild_id) deps.onGuild?.(i.guild_id);
    // Too many still running: a typed command is refused at once, only to its sender, and nothing of
    // it runs or is recorded. A click or a modal goes on: it finishes something already started.
    if (i.type === InteractionKind.ApplicationCommand) {
      const busy = work.busy();
      if (busy !== null) return json(200, ephemeralText(busy));
    }

    let inv: Invocation;
    try {
      inv = invocationOf(i, deps.registry);
    } catch (err) {
      if (err instanceof InteractionInputError) return json(400, { error: err.message });
      throw err;
    }

    // Masked from the moment they arrive: whatever is said, logged or stored next.
    if (inv.secrets) deps.redactor.learn([...inv.secrets.values()]);
    // Secret params: the first answer is the private modal (it must be the first); its MODAL_SUBMIT runs the command.
    const prompt = i.type === InteractionKind.ApplicationCommand ? (deps.dispatcher.secretPrompt?.(inv) ?? null) : null;
    if (prompt) {
      const modal = secretModal(prompt);
      return json(200, 'problem' in modal ? ephemeralText(modal.problem) : modal);
    }

    // Retries and double deliveries carry the same interaction id: run it once.
    const claim = await deps.deliveries.claim({ key: `discord:interaction:${i.id}`, ttlMs: DEDUPE_TTL_MS, input: inv.input, actor: inv.actor, channel: inv.channel });
    if (!claim.run) {
      // A mutating interaction nobody could check is not run (running could run it twice); a 500
      // would only show "This interaction failed", so say what happened.
      if (claim.why === 'unavailable') return json(200, ephemeralText('Firebreak could not check whether this interaction was already delivered (neither Redis nor its database answered), so nothing was run; try again in a moment.'));
      return json(200, ephemeralText('Firebreak already received this interaction; it runs once.'));
    }

    const isComponent = i.type === InteractionKind.MessageComponent;
    const responder = new InteractionResponder(deps.rest, deps.applicationId, i.token, deps.logger, {
      askerId: inv.actor.id,
      channelId: inv.channel.id,
      messageId: isComponent ? i.message?.id : undefined,
      what: whatOf(i),
      tokenLifetimeMs: deps.tokenLifetimeMs,
      redactor: deps.redactor,
    });
    // Discord sends the clicked message whole; without its embeds and components there is nothing to put back.
    const m = isComponent ? i.message : undefined;
    const shown = m?.embeds && m.components ? { content: m.content, embeds: m.embeds, components: m.components } : undefined;
    const delivery = new DiscordDelivery(res, responder, deps.chat, deps.redactor, inv.actor.name, { isComponent, channelId: inv.channel.id, messageId: isComponent ? i.message?.id : undefined, shown });
    // Tracked, not fire-and-forget: shutdown waits for the result to reach Discord (the delivery
    // resolves after the whole chain, progress included) before the store closes.
    const label = `${whatOf(i)} by ${inv.actor.name} (interaction ${i.id})`;
    work.track(
      label,
      deliverInvocation((sink) => deps.dispatcher.dispatch(inv, sink), delivery, { fastReplyMs: deferAfterMs, logger: deps.logger, what: label }).catch(async (err: unknown) => {
        deps.logger.error({ err: err instanceof Error ? err.message : String(err), interaction: i.id }, 'Discord: delivering an interaction failed');
        await delivery.fallback('Firebreak could not deliver this result; check the timeline and the Firebreak logs.');
      }),
    );
    await delivery.acknowledged;
  });
  return inFlight;
}
