import type { ServerResponse } from 'node:http';
import { InteractionResponseType, MessageFlags } from 'discord.js';
import type { DeliveryAdapter } from '../../core/delivery.js';
import type { DispatchResult } from '../../core/invocation.js';
import { defaultPointer, whereItWent } from '../../core/placement.js';
import type { Redactor } from '../../core/redact.js';
import type { Reply } from '../../core/reply.js';
import type { DiscordChat } from './chat-port.js';
import type { InteractionResponder, ShownMessage } from './interaction-responder.js';
import { renderDiscord } from './render.js';

/** Answers the interaction's HTTP request once; resolves when Discord has the bytes. */
export function sendInteractionResponse(res: ServerResponse, body: unknown): Promise<void> {
  return new Promise((resolve) => {
    res.once('finish', () => resolve());
    res.once('close', () => resolve());
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
}

/** A one-sentence answer only the clicking or typing user sees (type 4, flag 64). */
export function ephemeralText(content: string): unknown {
  return { type: InteractionResponseType.ChannelMessageWithSource, data: { content, flags: MessageFlags.Ephemeral, allowed_mentions: { parse: [] } } };
}

/**
 * Discord's side of the one delivery path. A quick result is the HTTP response itself where one
 * response can show it (replace, new, private); anything more (a source update plus a reply, a thread,
 * another channel) and every slow result is deferred and finished through the interaction's webhook.
 */
export class DiscordDelivery implements DeliveryAdapter {
  private answered = false;
  /** Progress was shown in `@original`: for a click that is the card, which must not keep it. */
  private covered = false;
  private ack: (() => void) | null = null;
  /** Resolves when the HTTP request has its answer, whichever path sent it. */
  readonly acknowledged: Promise<void>;

  constructor(
    private readonly res: ServerResponse,
    private readonly responder: InteractionResponder,
    private readonly chat: DiscordChat,
    private readonly redactor: Redactor,
    /** Who clicked or typed, named where a covered card says where the result went. */
    private readonly actorName: string,
    private readonly source: { isComponent: boolean; channelId: string; messageId?: string; shown?: ShownMessage },
  ) {
    this.acknowledged = new Promise((r) => (this.ack = r));
  }

  async answer(result: DispatchResult): Promise<void> {
    const body = this.immediate(result);
    if (body) return this.respond(body);
    await this.defer(null);
    await this.finish(result);
  }

  async defer(progress: Reply | null): Promise<void> {
    const sent = this.respond({ type: this.source.isComponent ? InteractionResponseType.DeferredMessageUpdate : InteractionResponseType.DeferredChannelMessageWithSource });
    await this.responder.deferred(sent);
    if (progress) await this.progress(progress);
  }

  progress(reply: Reply): Promise<void> {
    this.covered = true;
    return this.responder.progress(reply);
  }

  async finish(result: DispatchResult): Promise<void> {
    await this.place(result);
    // Progress showed on the clicked card (everyone's), and neither the result nor an update replaced it.
    const { isComponent } = this.source;
    if (isComponent && this.covered && !result.sourceUpdate && result.placement.kind !== 'replace') {
      if (this.source.shown) await this.responder.restoreOriginal(this.source.shown);
      else await this.responder.updateOriginal({ title: 'Done', status: 'info', text: whereItWent(result.placement, this.actorName) });
    }
  }

  private async place(result: DispatchResult): Promise<void> {
    const { reply, placement, sourceUpdate } = result;
    const { isComponent } = this.source;
    if (sourceUpdate && isComponent) await this.responder.updateOriginal(sourceUpdate);
    switch (placement.kind) {
      case 'replace':
        if (sourceUpdate && isComponent) await this.responder.newMessage(reply);
        else await this.responder.publicResult(reply);
        return;
      case 'new':
        if (isComponent) await this.responder.newMessage(reply);
        else await this.responder.publicResult(reply);
        return;
      case 'thread':
        if (isComponent && this.source.messageId) await this.chat.replyInThread({ platform: 'discord', channelId: this.source.channelId, messageId: this.source.messageId }, reply);
        else await this.responder.publicResult(reply);
        return;
      case 'private':
        await this.responder.privateResult(reply, { replaceOriginal: !isComponent });
        return;
      case 'channel': {
        const posted = await this.chat.postMessage(placement.channel, reply);
        // A slash command must be answered; the mention is a link in an embed's text (not in its title).
        const pointer = placement.pointer ?? (isComponent ? null : { ...defaultPointer(placement.channel), text: `<#${posted.channelId}>` });
        if (!pointer) return;
        if (pointer.ephemeral) await this.responder.privateResult(pointer, { replaceOriginal: !isComponent });
        else if (isComponent) await this.responder.newMessage(pointer);
        else await this.responder.publicResult(pointer);
        return;
      }
    }
  }

  /** The HTTP answer when nothing was sent yet and the work ended without one (it failed): never leave Discord waiting. */
  fallback(content: string): Promise<void> {
    return this.answered ? Promise.resolve() : this.respond(ephemeralText(content));
  }

  /** One response can show it: the clicked card replaced, a new message, or an ephemeral one. */
  private immediate(result: DispatchResult): unknown {
    const { reply, placement, sourceUpdate } = result;
    if (sourceUpdate) return null;
    const { isComponent } = this.source;
    switch (placement.kind) {
      case 'replace':
        return isComponent && !reply.ephemeral
          ? { type: InteractionResponseType.UpdateMessage, data: renderDiscord(reply, this.redactor) }
          : { type: InteractionResponseType.ChannelMessageWithSource, data: renderDiscord(reply, this.redactor) };
      case 'new':
        return { type: InteractionResponseType.ChannelMessageWithSource, data: renderDiscord(reply, this.redactor) };
      case 'private':
        return { type: InteractionResponseType.ChannelMessageWithSource, data: renderDiscord({ ...reply, ephemeral: true }, this.redactor) };
      case 'thread':
        return isComponent ? null : { type: InteractionResponseType.ChannelMessageWithSource, data: renderDiscord(reply, this.redactor) };
      case 'channel':
        return null;
    }
  }

  private respond(body: unknown): Promise<void> {
    if (this.answered) return Promise.resolve();
    this.answered = true;
    const sent = sendInteractionResponse(this.res, body);
    void sent.then(() => this.ack?.());
    return sent;
  }
}
