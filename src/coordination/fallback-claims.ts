import { randomUUID } from 'node:crypto';
import { deliveryMutates, type ChatDelivery, type DeliveryClaim, type DeliveryClaimStore, type DeliveryClaims } from '../core/delivery-claims.js';
import type { Coordination, Logger, Timeline } from '../core/ports.js';
import type { Redactor } from '../core/redact.js';
import type { ButtonCatalog } from '../core/button-catalog.js';
import type { CommandCatalog } from '../core/command-catalog.js';

export interface FallbackClaimsDeps {
  coordination: Coordination;
  store: DeliveryClaimStore;
  registry: CommandCatalog;
  buttons: ButtonCatalog;
  timeline: Timeline;
  redactor: Redactor;
  logger: Logger;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * ChatDelivery claims that do not go away with Redis. A read-only delivery is claimed in Redis when
 * it answers and runs anyway when it does not (a retried /health answered twice is harmless). A
 * mutating one is also claimed in the store, so a retry runs once whether Redis was up, down, or
 * came back in between; only when neither can be asked is it refused, and the refusal is recorded.
 */
export class FallbackDeliveryClaims implements DeliveryClaims {
  constructor(private readonly deps: FallbackClaimsDeps) {}

  async claim(d: ChatDelivery): Promise<DeliveryClaim> {
    const { coordination, store, logger } = this.deps;
    let first: boolean | null = null;
    let coordinationError: unknown;
    try {
      first = await coordination.claimOnce(d.key, d.ttlMs);
    } catch (err) {
      coordinationError = err;
    }
    if (first === false) return this.repeat(d);
    if (!deliveryMutates(this.deps.registry, this.deps.buttons, d.input)) {
      if (first === null) logger.debug({ key: d.key, err: message(coordinationError) }, 'Running a read-only delivery without the duplicate check (coordination unreachable)');
      return { run: true };
    }
    // One process with in-process coordination: its claim is the whole truth.
    if (first === true && coordination.kind === 'memory') return { run: true };
    try {
      return (await store.claim(d.key, d.ttlMs)) ? { run: true } : this.repeat(d);
    } catch (storeError) {
      // Redis said first; without the store the command cannot record anything and says so itself.
      if (first === true) return { run: true };
      await this.refuse(d, coordinationError, storeError);
      return { run: false, why: 'unavailable' };
    }
  }

  private repeat(d: ChatDelivery): DeliveryClaim {
    this.deps.logger.info({ key: d.key }, 'Ignored a repeated chat delivery');
    return { run: false, why: 'repeat' };
  }

  private async refuse(d: ChatDelivery, coordinationError: unknown, storeError: unknown): Promise<void> {
    const { redactor, logger } = this.deps;
    const reason = redactor.redact(`coordination: ${message(coordinationError)}; store: ${message(storeError)}`);
    logger.error({ key: d.key, reason }, 'A mutating chat delivery was refused: neither Redis nor the store could say whether it already ran');
    const text = d.input.kind === 'text' ? d.input.text : d.input.kind === 'options' ? `/${d.input.command}` : d.input.actionId;
    try {
      await this.deps.timeline.record({
        invocationId: randomUUID(),
        kind: 'command.refused',
        actor: d.actor,
        channel: d.channel,
        command: d.input.kind === 'options' ? d.input.command : null,
        text: redactor.redact(text),
        outcome: 'refused',
        detail: { reason, delivery: d.key },
      });
    } catch (err) {
      // The store is usually what failed; the log line above is then the only record.
      logger.error({ key: d.key, err: redactor.redact(message(err)) }, 'Could not record the refused delivery in the timeline');
    }
  }
}
