import type { DeliveryAdapter } from '../../core/delivery.js';
import type { DispatchResult, Invocation } from '../../core/invocation.js';
import type { Logger } from '../../core/ports.js';
import type { Redactor } from '../../core/redact.js';
import type { Reply } from '../../core/reply.js';
import { ChannelNames } from './channel-names.js';
import { renderBlocks, type RenderMeta, type SlackMessage } from './render-blocks.js';
import { explainSlackError, SlackCallError, type SlackApi } from './slack-api.js';
import type { SlackChatPort } from './slack-chat-port.js';

/** Where the visible result goes: a new message, an existing one (a clicked card), or only the response_url. */
export type SlackTarget = { kind: 'new'; channel: string } | { kind: 'existing'; channel: string; ts: string } | { kind: 'ephemeral-card' };

export interface SlackDeliveryRequest {
  inv: Invocation;
  target: SlackTarget;
  userId: string;
  responseUrl?: string;
  meta: RenderMeta;
  runningTitle: string;
  /** The clicked message as it was, for putting it back (see restoreSource). */
  original?: SlackMessage;
}

/**
 * Slack's side of the one delivery path. The request was acknowledged already (Bolt's ack), so
 * "answer" and "finish" are the same: show the result where its placement says. A deferral shows
 * the latest progress, or "Running /cmd…", in the message the result will replace.
 */
export class SlackDelivery implements DeliveryAdapter {
  /** The message progress and the result go to; for a new target it is posted on first need. */
  private message: Promise<{ channel: string; ts: string }> | null;
  private shown = false;

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
    return this.show(progress ?? { title: this.d.runningTitle, status: 'pending' });
  }

  progress(reply: Reply): Promise<void> {
    return this.show(reply);
  }

  finish(result: DispatchResult): Promise<void> {
    return this.result(result);
  }

  /** The one way a Reply becomes a Slack message here: masked and escaped in the renderer. */
  private render(reply: Reply) {
    return renderBlocks(reply, this.d.meta, { redactor: this.redactor, log: this.logger });
  }

  private show(reply: Reply): Promise<void> {
    this.shown = true;
    const t = this.d.target;
    if (t.kind === 'ephemeral-card') {
      return this.d.responseUrl ? this.api.respond(this.d.responseUrl, { replace_original: true, ...this.render(reply) }) : Promise.resolve();
    }
    if (!this.message) {
      this.message = this.api.postMessage(t.channel, this.render(reply));
      this.message.catch(() => {}); // handled by whoever awaits it; this only marks it observed
      return this.message.then(() => undefined);
    }
    return this.message.then((m) => this.api.updateMessage(m.channel, m.ts, this.render(reply)));
  }

  /** The clicked card's message, when the click came from one everybody sees. */
  private source(): { channel: string; ts: string } | null {
    return this.d.target.kind === 'existing' ? { channel: this.d.target.channel, ts: this.d.target.ts } : null;
  }

  private async result(result: DispatchResult): Promise<void> {
    const { reply, placement } = result;
    try {
      const source = this.source();
      if (result.sourceUpdate) {
        if (source) await this.api.updateMessage(source.channel, source.ts, this.render(result.sourceUpdate));
        else if (this.d.target.kind === 'ephemeral-card') await this.show(result.sourceUpdate);
      }
      switch (placement.kind) {
        case 'replace':
          // The clicked card became the source update; the reply is a message of its own then.
          if (result.sourceUpdate && source) await this.api.postMessage(source.channel, this.render(reply));
          else await this.show(reply);
          return;
        case 'new':
          // A typed command's own message is the new one; a clicked card stays (or got its update).
          if (this.d.target.kind === 'new') await this.show(reply);
          else {
            await this.api.postMessage(this.d.inv.channel.id, this.render(reply));
            await this.restoreSource(result);
          }
          return;
        case 'thread': {
          const parent = source ?? (this.message ? await this.message : null);
          if (parent) await this.chat.replyInThread({ platform: 'slack', channelId: parent.channel, messageId: parent.ts }, reply);
          else await this.show(reply);
          await this.restoreSource(result);
          return;
        }
        case 'channel':
          await this.chat.postMessage(placement.channel, reply);
          if (placement.pointer) await (placement.pointer.ephemeral ? this.ephemeral(placement.pointer) : this.show(placement.pointer));
          await this.restoreSource(result);
          return;
        case 'private':
          await this.ephemeral(reply);
          // A "running…" message we put up must not stay there forever: the clicked card as it was
          // (or as its source update made it), else a note that the result went to one person.
          if (this.shown && this.d.target.kind !== 'ephemeral-card' && !result.sourceUpdate && !(await this.restoreSource(result))) {
            await this.show({ title: `${this.d.runningTitle.replace(/…$/, '')} finished`, status: 'info', text: `The result was shown only to ${this.d.inv.actor.name}.` });
          }
          return;
      }
    } catch (err) {
      await this.tellUser(err, reply);
    }
  }

  /**
   * A slow click showed "running…" in the clicked card; when the result went somewhere else and did
   * not update the card, the card is put back as it was (a long-lived card — an alert, an incident's
   * summary — must not stay "running…"). True when it did.
   */
  private async restoreSource(result: DispatchResult): Promise<boolean> {
    const source = this.source();
    if (!this.shown || result.sourceUpdate || !source || !this.d.original) return false;
    await this.api.updateMessage(source.channel, source.ts, this.d.original);
    return true;
  }

  /** Only the person who asked sees it: through the response_url when there is one. */
  private async ephemeral(reply: Reply): Promise<void> {
    const msg = this.render(reply);
    if (this.d.responseUrl) {
      await this.api.respond(this.d.responseUrl, { response_type: 'ephemeral', replace_original: false, ...msg });
      return;
    }
    const channel = this.d.target.kind === 'ephemeral-card' ? this.d.inv.channel.id : this.d.target.channel;
    await this.api.postEphemeral(channel, this.d.userId, msg);
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
