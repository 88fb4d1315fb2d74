import { Routes, type REST } from 'discord.js';
import type { Logger } from '../../core/ports.js';
import type { Reply } from '../../core/reply.js';
import { renderDiscord } from './render-discord.js';

/**
 * After a deferred answer (type 5 or 6), everything the user sees next goes through the
 * interaction's webhook: progress and the result edit `@original`; an ephemeral result on a
 * clicked card goes out as an ephemeral follow-up so the card stays as it was for everyone.
 * Edits run one after another and progress is coalesced to the latest, so the result always
 * lands last. The REST client waits out 429s (Retry-After) and retries; the result is never dropped.
 */
export class InteractionResponder {
  private chain: Promise<void> = Promise.resolve();
  private pendingProgress: Reply | null = null;
  private deferred = false;

  constructor(
    private readonly rest: REST,
    private readonly applicationId: string,
    private readonly token: string,
    private readonly logger: Logger,
  ) {}

  /** Called once Discord has our deferred answer; progress seen before it is shown now. */
  startDeferred(acknowledged: Promise<void>): void {
    this.deferred = true;
    this.chain = acknowledged;
    if (this.pendingProgress) this.enqueueProgress();
  }

  progress(reply: Reply): Promise<void> {
    this.pendingProgress = reply;
    if (this.deferred) this.enqueueProgress();
    return Promise.resolve();
  }

  /** The final result; resolves when Discord has it (or it finally failed, which is logged). */
  finish(reply: Reply, opts: { replaceOriginal: boolean }): Promise<void> {
    this.pendingProgress = null;
    const send = async () => {
      if (reply.ephemeral) {
        // Only the asker sees it. A deferred message cannot turn ephemeral, so a slash command's
        // public "thinking…" message is removed; a clicked card is left as it was.
        await this.rest.post(Routes.webhook(this.applicationId, this.token), { body: renderDiscord(reply), auth: false });
        if (opts.replaceOriginal) await this.rest.delete(Routes.webhookMessage(this.applicationId, this.token, '@original'), { auth: false });
      } else {
        await this.editOriginal(reply);
      }
    };
    this.chain = this.chain.then(send).catch((err: unknown) => {
      this.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'Discord: could not deliver the result of an interaction');
    });
    return this.chain;
  }

  private enqueueProgress(): void {
    this.chain = this.chain
      .then(async () => {
        const latest = this.pendingProgress;
        this.pendingProgress = null;
        if (latest) await this.editOriginal(latest);
      })
      .catch((err: unknown) => {
        this.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'Discord: progress update failed; the result will still be sent');
      });
  }

  private async editOriginal(reply: Reply): Promise<void> {
    // flags cannot change on an edit; the deferral decided whether the message is ephemeral.
    const { flags: _ignored, ...body } = renderDiscord(reply);
    await this.rest.patch(Routes.webhookMessage(this.applicationId, this.token, '@original'), { body, auth: false });
  }
}
