import { z } from 'zod';
import { deliverInvocation, InFlightWork } from '../../core/delivery.js';
import type { ChatDelivery, DeliveryClaims } from '../../core/delivery-claims.js';
import type { Invocation, InvocationDispatcher } from '../../core/invocation.js';
import type { Logger } from '../../core/ports.js';
import type { Redactor } from '../../core/redact.js';
import { LINK_ACTION_PREFIX } from '../../core/reply.js';
import type { SlackApi } from './api.js';
import { SLACK_PLATFORM, type SlackChatPort } from './chat-port.js';
import type { ChannelNames } from './channel-lookup.js';
import { SlackDelivery, type SlackDeliveryRequest, type SlackTarget } from './delivery.js';
import type { UserNames } from './user-names.js';
import type { SecretPrompt } from '../../core/secret-prompt.js';
import { secretModal, secretModalMetadataSchema, submittedSecrets, viewSubmissionSchema, type SecretModalMetadata } from './secret-modal.js';

/** Slack delivers at least once; a delivery key is remembered this long. */
const DELIVERY_TTL_MS = 30 * 60_000;
/** Two clicks of the same button by the same person this close together are one click. */
const DOUBLE_CLICK_MS = 3000;

export const slashCommandSchema = z.object({
  command: z.string().min(2),
  text: z.string().default(''),
  user_id: z.string().min(1),
  user_name: z.string().optional(),
  team_id: z.string().optional(),
  channel_id: z.string().min(1),
  channel_name: z.string().default(''),
  trigger_id: z.string().min(1),
  response_url: z.string().url().optional(),
});
export type SlashCommand = z.infer<typeof slashCommandSchema>;

export const blockActionsSchema = z.object({
  type: z.literal('block_actions'),
  trigger_id: z.string().optional(),
  user: z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() }),
  team: z.object({ id: z.string().min(1) }).nullish(),
  channel: z.object({ id: z.string().min(1), name: z.string().optional() }).optional(),
  container: z.object({ message_ts: z.string().optional(), channel_id: z.string().optional(), is_ephemeral: z.boolean().optional() }).default({}),
  /** The clicked message as Slack shows it (absent for an ephemeral one). */
  message: z.object({ ts: z.string(), text: z.string().optional(), blocks: z.array(z.object({ type: z.string() }).passthrough()).optional() }).optional(),
  response_url: z.string().url().optional(),
  actions: z.array(z.object({ action_id: z.string().min(1), action_ts: z.string().optional(), text: z.object({ text: z.string() }).optional() })).min(1),
});
export type BlockActions = z.infer<typeof blockActionsSchema>;

/** The "Add to timeline" message shortcut (manifest: callback_id add_to_timeline). */
export const messageShortcutSchema = z.object({
  type: z.literal('message_action'),
  callback_id: z.string(),
  trigger_id: z.string().min(1),
  response_url: z.string().url().optional(),
  user: z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() }),
  team: z.object({ id: z.string().min(1) }).nullish(),
  channel: z.object({ id: z.string().min(1), name: z.string().optional() }),
  message: z.object({ ts: z.string().min(1), text: z.string().default(''), user: z.string().optional() }),
});

/** An Events API callback carrying reaction_added. */
export const reactionAddedSchema = z.object({
  event_id: z.string().min(1),
  team_id: z.string().optional(),
  event: z.object({
    type: z.literal('reaction_added'),
    user: z.string().min(1),
    reaction: z.string(),
    item: z.object({ type: z.string(), channel: z.string().optional(), ts: z.string().optional() }),
    item_user: z.string().optional(),
  }),
});

/** 📌: Slack's name for the reaction that marks a message for the incident's timeline. */
export const TIMELINE_REACTION = 'pushpin';

export interface InteractionDeps {
  dispatcher: InvocationDispatcher;
  /** Runs each delivery once: Redis, with the store for mutating ones when Redis is unreachable. */
  deliveries: DeliveryClaims;
  logger: Logger;
  /** Masks secrets in every message this sends, what people typed included. */
  redactor: Redactor;
  api: SlackApi;
  users: UserNames;
  channels: ChannelNames;
  /** Where placements other than the invoker's own message go (threads, other channels). */
  chat: SlackChatPort;
  /** A dispatch that finishes within this answers with the card at once; slower ones show "running…" first. */
  fastReplyMs?: number;
  /** Whether a channel is an incident's own: only there does 📌 add a message to a timeline (elsewhere it is just a pin emoji). */
  incidentChannel?: (platform: string, channelId: string) => Promise<boolean>;
  /** chat.max_waiting: deliveries still running past which a new slash command is refused (busy). */
  maxWaiting?: number;
}

/**
 * Turns Slack slash commands and button clicks into neutral Invocations, and the dispatcher's
 * progress and result into messages. Callers have already acknowledged the request.
 */
export class SlackInteractions {
  private readonly inFlight: InFlightWork;

  constructor(private readonly deps: InteractionDeps) {
    this.inFlight = new InFlightWork(deps.logger, deps.maxWaiting);
  }

  /** Admission control for a slash command, before its ack: null, or the busy sentence to answer with. */
  busy(): string | null {
    return this.inFlight.busy();
  }

  /** Runs work after the ack without blocking it; `drain` waits for it on shutdown. */
  track(label: string, work: Promise<void>): void {
    this.inFlight.track(label, work);
  }

  async drain(): Promise<void> {
    await this.inFlight.drain();
    await this.deps.api.pacer.idle();
  }

  async slashCommand(body: unknown): Promise<void> {
    const parsed = slashCommandSchema.safeParse(body);
    if (!parsed.success) {
      this.deps.logger.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'Ignored a malformed Slack slash command');
      return;
    }
    const c = parsed.data;
    // Slack sends &, < and > in the typed text as HTML entities; the parser wants what was typed.
    const typed = c.text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const commandText = `${c.command} ${typed}`.trim();
    const delivery = { input: { kind: 'text', text: commandText }, actor: { platform: SLACK_PLATFORM, id: c.user_id, name: c.user_name ?? c.user_id }, channel: { platform: SLACK_PLATFORM, id: c.channel_id, name: c.channel_name } } as const;
    if (!(await this.claim({ ...delivery, key: `slack:delivery:command:${c.trigger_id}`, ttlMs: DELIVERY_TTL_MS }, c.response_url))) return;
    const inv: Invocation = {
      actor: { platform: SLACK_PLATFORM, id: c.user_id, name: await this.deps.users.name(c.user_id, c.user_name) },
      // "privategroup" (a private channel) is not a name the guards can allow: look the real one up.
      channel: { platform: SLACK_PLATFORM, id: c.channel_id, name: await this.deps.channels.name(c.channel_id, c.channel_name), ...(c.team_id ? { workspace: c.team_id } : {}) },
      input: { kind: 'text', text: commandText },
    };
    await this.deliver({
      inv,
      target: { kind: 'new', channel: c.channel_id },
      userId: c.user_id,
      responseUrl: c.response_url,
      meta: { by: { userId: c.user_id, did: 'ran', what: commandText } },
      runningTitle: `Running ${commandText}…`,
      finishedTitle: `${commandText} finished`,
    });
  }

  /**
   * A typed command that needs secret params: opens the private modal (within the 3 s its trigger_id
   * lives) instead of running it, and returns true. False: run it as usual. Nothing is recorded
   * until the modal is submitted; a failure to open it is said to the person.
   */
  async askSecrets(body: unknown): Promise<boolean> {
    const parsed = slashCommandSchema.safeParse(body);
    if (!parsed.success) return false;
    const c = parsed.data;
    const typed = c.text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const commandText = `${c.command} ${typed}`.trim();
    const actor = { platform: SLACK_PLATFORM, id: c.user_id, name: c.user_name ?? c.user_id };
    const channel = { platform: SLACK_PLATFORM, id: c.channel_id, name: c.channel_name, ...(c.team_id ? { workspace: c.team_id } : {}) };
    let prompt: SecretPrompt | null;
    try {
      prompt = this.deps.dispatcher.secretPrompt?.({ actor, channel, input: { kind: 'text', text: commandText } }) ?? null;
    } catch (err) {
      // Never lose the command over the question: dispatch it, and it says what is missing.
      this.deps.logger.warn({ err: this.deps.redactor.redact(err instanceof Error ? err.message : String(err)) }, 'Slack: could not tell whether a command needs a secret; running it as typed');
      return false;
    }
    if (!prompt) return false;
    try {
      await this.deps.api.openView(c.trigger_id, secretModal(prompt, { text: prompt.commandText, channelId: c.channel_id, channelName: c.channel_name, ...(c.response_url ? { responseUrl: c.response_url } : {}) }));
    } catch {
      if (c.response_url) {
        await this.deps.api
          .respond(c.response_url, { response_type: 'ephemeral', replace_original: false, text: `Firebreak could not open the private prompt for ${this.deps.redactor.redact(commandText)}, so nothing was run. Type the command again (Slack gives 3 seconds to open it).` })
          .catch(() => {});
      }
    }
    return true;
  }

  /** The secret modal submitted: the command it carries runs with the values beside it, in the channel it was typed in. */
  async secretSubmitted(body: unknown): Promise<void> {
    const parsed = viewSubmissionSchema.safeParse(body);
    if (!parsed.success) {
      this.deps.logger.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'Ignored a malformed Slack modal submission');
      return;
    }
    const v = parsed.data;
    let meta: SecretModalMetadata;
    try {
      meta = secretModalMetadataSchema.parse(JSON.parse(v.view.private_metadata));
    } catch {
      this.deps.logger.warn({ view: v.view.id }, 'Ignored a Slack modal submission without the command it was opened for');
      return;
    }
    const secrets = submittedSecrets(v.view.state.values);
    // Masked from the moment they arrive: whatever is said, logged or stored next.
    this.deps.redactor.learn([...secrets.values()]);
    const actor = { platform: SLACK_PLATFORM, id: v.user.id, name: v.user.name ?? v.user.username ?? v.user.id };
    const delivery = { input: { kind: 'text', text: meta.text }, actor, channel: { platform: SLACK_PLATFORM, id: meta.channelId, name: meta.channelName } } as const;
    if (!(await this.claim({ ...delivery, key: `slack:delivery:view:${v.view.id}`, ttlMs: DELIVERY_TTL_MS }, meta.responseUrl))) return;
    const inv: Invocation = {
      actor: { ...actor, name: await this.deps.users.name(v.user.id, v.user.name ?? v.user.username) },
      channel: { platform: SLACK_PLATFORM, id: meta.channelId, name: await this.deps.channels.name(meta.channelId, meta.channelName), ...(v.team?.id ? { workspace: v.team.id } : {}) },
      input: { kind: 'text', text: meta.text },
      secrets,
    };
    await this.deliver({
      inv,
      target: { kind: 'new', channel: meta.channelId },
      userId: v.user.id,
      responseUrl: meta.responseUrl,
      meta: { by: { userId: v.user.id, did: 'ran', what: meta.text } },
      runningTitle: `Running ${meta.text}…`,
      finishedTitle: `${meta.text} finished`,
    });
  }

  async blockActions(body: unknown): Promise<void> {
    const parsed = blockActionsSchema.safeParse(body);
    if (!parsed.success) {
      this.deps.logger.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'Ignored a malformed Slack button click');
      return;
    }
    const b = parsed.data;
    const action = b.actions[0]!;
    // An Open timeline button: Slack opened the page; there is nothing to run or record.
    if (action.action_id.startsWith(LINK_ACTION_PREFIX)) return;
    const channelId = b.channel?.id ?? b.container.channel_id;
    const ts = b.container.message_ts ?? b.message?.ts;
    if (!channelId) return;
    // A retried delivery carries the same action_ts; a fresh click of the same button does not.
    const delivery = { input: { kind: 'action', actionId: action.action_id }, actor: { platform: SLACK_PLATFORM, id: b.user.id, name: b.user.name ?? b.user.username ?? b.user.id }, channel: { platform: SLACK_PLATFORM, id: channelId, name: b.channel?.name ?? '' } } as const;
    const deliveryKey = `slack:delivery:action:${channelId}:${ts ?? '-'}:${action.action_id}:${b.user.id}:${action.action_ts ?? b.trigger_id ?? '-'}`;
    if (!(await this.claim({ ...delivery, key: deliveryKey, ttlMs: DELIVERY_TTL_MS }, b.response_url))) return;
    if (!(await this.claim({ ...delivery, key: `slack:click:${channelId}:${ts ?? '-'}:${action.action_id}:${b.user.id}`, ttlMs: DOUBLE_CLICK_MS }, b.response_url))) return;
    const label = action.text?.text ?? action.action_id;
    const inv: Invocation = {
      actor: { platform: SLACK_PLATFORM, id: b.user.id, name: await this.deps.users.name(b.user.id, b.user.name ?? b.user.username) },
      channel: { platform: SLACK_PLATFORM, id: channelId, name: await this.deps.channels.name(channelId, b.channel?.name), ...(b.team?.id ? { workspace: b.team.id } : {}) },
      input: { kind: 'action', actionId: action.action_id },
    };
    const target: SlackTarget = b.container.is_ephemeral || !ts ? { kind: 'ephemeral-card' } : { kind: 'existing', channel: channelId, ts };
    const shown = b.message?.blocks ? { text: b.message.text ?? '', blocks: b.message.blocks } : undefined;
    await this.deliver({
      inv,
      target,
      userId: b.user.id,
      responseUrl: b.response_url,
      meta: { by: { userId: b.user.id, did: 'pressed', what: label } },
      runningTitle: `${label}: running…`,
      finishedTitle: `${label} finished`,
      ...(shown && target.kind === 'existing' ? { sourceShown: shown } : {}),
    });
  }

  /** The Add to timeline shortcut on a message: the message goes on the channel's incident timeline; the person is told privately. */
  async messageShortcut(body: unknown): Promise<void> {
    const parsed = messageShortcutSchema.safeParse(body);
    if (!parsed.success) {
      this.deps.logger.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'Ignored a malformed Slack message shortcut');
      return;
    }
    const s = parsed.data;
    const inv = await this.markInvocation(s.user.id, s.user.name ?? s.user.username, s.channel.id, s.channel.name, s.team?.id, s.message);
    if (!(await this.claim({ input: inv.input, actor: inv.actor, channel: inv.channel, key: `slack:delivery:shortcut:${s.trigger_id}`, ttlMs: DELIVERY_TTL_MS }, s.response_url))) return;
    await this.deliver({ inv, target: { kind: 'ephemeral-card' }, userId: s.user.id, responseUrl: s.response_url, meta: {}, runningTitle: 'Adding to the timeline…', finishedTitle: 'Added to the timeline' });
  }

  /**
   * 📌 on a message in an incident's own channel: the message (read back from Slack: the event does
   * not carry it) goes on the timeline; the person who reacted is told privately. Any other
   * reaction, or 📌 anywhere else, is left alone.
   */
  async reactionAdded(body: unknown): Promise<void> {
    const parsed = reactionAddedSchema.safeParse(body);
    if (!parsed.success) return;
    const { event, event_id, team_id } = parsed.data;
    const channelId = event.item.channel;
    const ts = event.item.ts;
    if (event.reaction !== TIMELINE_REACTION || event.item.type !== 'message' || !channelId || !ts) return;
    if (!(await this.deps.incidentChannel?.(SLACK_PLATFORM, channelId).catch(() => false))) return;
    const message = await this.deps.api.messageAt(channelId, ts).catch(() => null);
    if (!message) {
      this.deps.logger.warn({ channel: channelId, ts }, 'Slack: could not read the 📌 message (channels:history / groups:history); it was not added to the timeline');
      return;
    }
    const inv = await this.markInvocation(event.user, undefined, channelId, undefined, team_id, { ts, text: message.text, user: message.user ?? event.item_user });
    if (!(await this.claim({ input: inv.input, actor: inv.actor, channel: inv.channel, key: `slack:delivery:event:${event_id}`, ttlMs: DELIVERY_TTL_MS }, undefined))) return;
    await this.deliver({ inv, target: { kind: 'ephemeral-card' }, userId: event.user, meta: {}, runningTitle: 'Adding to the timeline…', finishedTitle: 'Added to the timeline' });
  }

  /** `/incident mark` for a Slack message, as the person who marked it, in the message's channel. */
  private async markInvocation(userId: string, userName: string | undefined, channelId: string, channelName: string | undefined, team: string | undefined, m: { ts: string; text: string; user?: string }): Promise<Invocation> {
    return {
      actor: { platform: SLACK_PLATFORM, id: userId, name: await this.deps.users.name(userId, userName) },
      channel: { platform: SLACK_PLATFORM, id: channelId, name: await this.deps.channels.name(channelId, channelName), ...(team ? { workspace: team } : {}) },
      input: {
        kind: 'options',
        command: 'incident',
        args: { subcommand: 'mark', text: m.text || '(a message without text)', message: m.ts, ...(m.user ? { author: `<@${m.user}|${await this.deps.users.name(m.user, undefined)}>` } : {}) },
      },
    };
  }

  /** First delivery wins; repeats are dropped. If a mutating one cannot be checked, nothing runs and the person is told. */
  private async claim(delivery: ChatDelivery, responseUrl: string | undefined): Promise<boolean> {
    const claim = await this.deps.deliveries.claim(delivery);
    if (claim.run) return true;
    if (claim.why === 'unavailable' && responseUrl) {
      await this.deps.api
        .respond(responseUrl, { response_type: 'ephemeral', replace_original: false, text: 'Firebreak could not check whether this request was already handled (neither Redis nor its database answered), so nothing was run. Try again in a minute.' })
        .catch(() => {});
    }
    return false;
  }

  private deliver(d: SlackDeliveryRequest): Promise<void> {
    return deliverInvocation((sink) => this.deps.dispatcher.dispatch(d.inv, sink), new SlackDelivery(this.deps.api, this.deps.chat, this.deps.redactor, this.deps.logger, d), {
      fastReplyMs: this.deps.fastReplyMs,
      logger: this.deps.logger,
      what: d.runningTitle,
    });
  }
}
