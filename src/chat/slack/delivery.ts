import type { OutboundPriority } from '../../core/chat-port.js';
import type { DeliveryAdapter } from '../../core/delivery.js';
import type { DispatchResult, Invocation } from '../../core/invocation.js';
import { defaultPointer, whereItWent } from '../../core/placement.js';
import type { Logger } from '../../core/ports.js';
import type { Redactor } from '../../core/redact.js';
import type { Reply } from '../../core/reply.js';
import { ChannelNames } from './channel-lookup.js';
import { renderBlocks, type RenderMeta, type SlackMessage } from './render.js';
import { explainSlackError, SlackCallError, type SlackApi } from './api.js';
import type { SlackChatPort } from './chat-port.js';

/** Where the visible result goes: a new message, an existing one (a clicked card), or only the response_url. */
export type SlackTarget = { kind: 'new'; channel: string } | { kind: 'existing'; channel: string; ts: string } | { kind: 'ephemeral-card' };

export interface SlackDeliveryRequest {
  inv: Invocation;
  target: SlackTarget;
  userId: string;
  responseUrl?: string;
  meta: RenderMeta;
  runningTitle: string;
  /** What a "running…" message says once the result went elsewhere: "/backup list finished". */
  finishedTitle: string;
  /** The clicked card as Slack showed it, to put back when progress covered it and the result went elsewhere. */
  sourceShown?: SlackMessage;
}

/** A person waits for the acknowledgement and the result: they go before alert cards in the channel's queue. */
const PERSON = { priority: 'person' } as const;

/**
 * Slack's side of the one delivery path. The request was acknowledged already (Bolt's ack), so
 * "answer" and "finish" are the same: show the result where its placement says. A deferral shows
 * the latest progress, or "Running /cmd…", in the message the result will replace.
 *
 * Priority (OutboundPriority): everything shown for an invocation is a person's: "running…", the
 * progress (the one delivery path sends the result only after the last progress update landed, so
 * progress behind alert cards would hold the result back too) and the result. A public answer is a
 * chat.postMessage (paced), not a response_url post: it needs its ts, for progress and result edits
 * (a response_url takes 5 posts in 30 minutes) and for clicks on its buttons, which edit it with
 * chat.update on whichever replica gets them. Private answers go through the response_url (unpaced).
 */
export class SlackDelivery implements DeliveryAdapter {
  /** The message progress and the result go to; for a new target it is posted on first need. */
  private message: Promise<{ channel: string; ts: string }> | null;
  private shown = false;
  /** The result (or its pointer) went into that message, so nothing "running…" is left in it. */
  private landed = false;

  constructor(
    private readonly api: SlackApi,
    private readonly chat: SlackChatPort,
    private readonly redactor: Redactor,
    private readonly logger: Logger,
    private readonly d: SlackDeliveryRequest,
  ) {
    this.message = d.target.kind === 'existing' ? Promise.resolve({ channel: d.target.channel, ts: d.target.ts }) : null;
  }

  answer(result: DispatchResult): Promise<void> {
    return this.result(result);
  }

  defer(progress: Reply | null): Promise<void> {
    return this.show(progress ?? { title: this.d.runningTitle, status: 'pending' }, 'person');
  }

  progress(reply: Reply): Promise<void> {
    return this.show(reply, 'person');
  }

  finish(result: DispatchResult): Promise<void> {
    return this.result(result);
  }

  /** The one way a Reply becomes a Slack message here: masked and escaped in the renderer. */
  private render(reply: Reply) {
    return renderBlocks(reply, this.d.meta, { redactor: this.redactor, log: this.logger });
  }

  private show(reply: Reply, priority: OutboundPriority): Promise<void> {
    this.shown = true;
    const t = this.d.target;
    if (t.kind === 'ephemeral-card') {
      return this.d.responseUrl ? this.api.respond(this.d.responseUrl, { replace_original: true, ...this.render(reply) }) : Promise.resolve();
    }
    if (!this.message) {
      this.message = this.api.postMessage(t.channel, this.render(reply), { priority });
      this.message.catch(() => {}); // handled by whoever awaits it; this only marks it observed
      return this.message.then(() => undefined);
    }
    return this.message.then((m) => this.api.updateMessage(m.channel, m.ts, this.render(reply), { priority }));
  }

  /** The clicked card's message, when the click came from one everybody sees. */
  private source(): { channel: string; ts: string } | null {
    return this.d.target.kind === 'existing' ? { channel: this.d.target.channel, ts: this.d.target.ts } : null;
  }

  private async result(result: DispatchResult): Promise<void> {
    const { reply, placement } = result;
    const t = this.d.target;
    // "Running…" or progress is showing in the message the result would replace (the clicked card, or a
    // typed command's own message): unless the result lands there, it must not stay.
    const covered = this.shown;
    let settled = false;
    try {
      const source = this.source();
      if (result.sourceUpdate) {
        if (source) await this.api.updateMessage(source.channel, source.ts, this.render(result.sourceUpdate), PERSON);
        else if (t.kind === 'ephemeral-card') await this.show(result.sourceUpdate, 'person');
        settled = source !== null || t.kind === 'ephemeral-card';
      }
      switch (placement.kind) {
        case 'replace':
          // The clicked card became the source update; the reply is a message of its own then.
          if (result.sourceUpdate && source) await this.api.postMessage(source.channel, this.render(reply), PERSON);
          else await this.settle(reply);
          break;
        case 'new':
          // A typed command's own message is the new one; a clicked card stays (or got its update).
          if (t.kind === 'new') await this.settle(reply);
          else await this.api.postMessage(this.d.inv.channel.id, this.render(reply), PERSON);
          break;
        case 'thread':
          // A typed command has no message to reply under: its own message is the answer.
          if (source) await this.chat.replyInThread({ platform: 'slack', channelId: source.channel, messageId: source.ts }, reply, PERSON);
          else await this.settle(reply);
          break;
        case 'channel': {
          await this.chat.postMessage(placement.channel, reply, PERSON);
          // A typed command must answer something (a "running…" message will say where it went); a
          // click may leave only the source update.
          const pointer = placement.pointer ?? (t.kind === 'new' && !covered ? defaultPointer(placement.channel) : null);
          if (!pointer) break;
          if (pointer.ephemeral) await this.ephemeral(pointer);
          else if (t.kind === 'new') await this.settle(pointer);
          // The pointer is for the channel; the clicked card stays the card (or its update).
          else await this.api.postMessage(this.d.inv.channel.id, this.render(pointer), PERSON);
          break;
        }
        case 'private':
          await this.ephemeral(reply);
          break;
      }
      if (covered && !settled && !this.landed) await this.uncover(result);
    } catch (err) {
      await this.tellUser(err, reply);
    }
  }

  /** The result goes into the message "running…" was in (or is the typed command's first message). */
  private settle(reply: Reply): Promise<void> {
    this.landed = true;
    return this.show(reply, 'person');
  }

  /**
   * The result went elsewhere, so what covered the message goes: a clicked card shows what it showed
   * before (Slack sent it with the click), else the message says the work finished and where its result is.
   */
  private async uncover(result: DispatchResult): Promise<void> {
    const source = this.source();
    if (source && this.d.sourceShown) {
      await this.api.updateMessage(source.channel, source.ts, this.d.sourceShown, PERSON);
      return;
    }
    await this.show({ title: this.d.finishedTitle, status: 'info', text: whereItWent(result.placement, this.d.inv.actor.name) }, 'person');
  }

  /** Only the person who asked sees it: through the response_url when there is one. */
  private async ephemeral(reply: Reply): Promise<void> {
    const msg = this.render(reply);
    if (this.d.responseUrl) {
      await this.api.respond(this.d.responseUrl, { response_type: 'ephemeral', replace_original: false, ...msg });
      return;
    }
    const channel = this.d.target.kind === 'ephemeral-card' ? this.d.inv.channel.id : this.d.target.channel;
    await this.api.postEphemeral(channel, this.d.userId, msg, PERSON);
  }

  /** A Slack error where a person is waiting: they get one clear sentence (it is already logged). */
  private async tellUser(err: unknown, reply: Reply): Promise<void> {
    // The log has the channel id; the person reads the channel by the name they typed the command in.
    const name = this.d.inv.channel.name;
    const where = name && !ChannelNames.needsLookup(name) ? `#${name}` : this.d.inv.channel.id;
    const problem =
      err instanceof SlackCallError
        ? err.code === 'request_failed'
          ? err.message
          : explainSlackError(err.code, where)
        : `Firebreak could not post its answer to Slack: ${(err as Error).message}`;
    this.logger.warn({ invocation: this.d.inv.input, channel: this.d.inv.channel.id }, `A Slack answer could not be posted: ${problem}`);
    if (!this.d.responseUrl) return;
    // The person still gets the result, only to them, with what went wrong on top.
    const shown: Reply = { ...reply, context: [problem, reply.context].filter(Boolean).join(' · '), buttons: undefined };
    await this.api.respond(this.d.responseUrl, { response_type: 'ephemeral', replace_original: false, ...this.render(shown) }).catch(() => {});
  }
}
