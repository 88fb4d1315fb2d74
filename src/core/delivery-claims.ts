import type { ButtonCatalog } from './button-catalog.js';
import type { CommandCatalog } from './command-catalog.js';
import type { Actor, ChannelRef } from './identity.js';
import type { InvocationInput } from './invocation.js';
import { parseCommandText } from './parser.js';

/** One chat delivery (a slash command, a button click) that a platform may deliver more than once. */
export interface ChatDelivery {
  /** The same for every retry of this delivery, e.g. "slack:delivery:command:TRIGGER_ID". */
  key: string;
  ttlMs: number;
  /** What it would run: decides whether running it twice could change anything. */
  input: InvocationInput;
  /** Who and where, for the timeline row when it is refused. */
  actor: Actor;
  channel: ChannelRef;
}

export type DeliveryClaim =
  | { run: true }
  /** A retry, redelivery or double click of one already run. */
  | { run: false; why: 'repeat' }
  /** Whether it already ran could not be checked, and it could change things: nothing runs (and that is recorded). */
  | { run: false; why: 'unavailable' };

/** Decides whether a delivery runs: the first delivery of a key does, its repeats do not. */
export interface DeliveryClaims {
  claim(delivery: ChatDelivery): Promise<DeliveryClaim>;
}

/** Delivery keys kept in the store (the fallback when Redis is unreachable). */
export interface DeliveryClaimStore {
  /** True for the first claim of the key within ttl. */
  claim(key: string, ttlMs: number): Promise<boolean>;
}

/**
 * Whether running this delivery twice could change something. Read-only commands (/health,
 * /status) answered twice are harmless; a command button (`run:/health`) counts as the command it
 * types; every other button (confirm, cancel, acknowledge, unknown kinds) counts as mutating.
 */
export function deliveryMutates(registry: CommandCatalog, buttons: ButtonCatalog, input: InvocationInput): boolean {
  switch (input.kind) {
    case 'options':
      return registry.get(input.command)?.mutating ?? false;
    case 'action': {
      const button = buttons.resolve(input.actionId);
      return button?.handler.kind === 'command' ? deliveryMutates(registry, buttons, { kind: 'text', text: button.handler.commandText(button.arg) }) : true;
    }
    case 'text':
      try {
        return registry.get(parseCommandText(input.text).command)?.mutating ?? false;
      } catch {
        // Unparseable text is answered with a usage error and runs nothing.
        return false;
      }
  }
}
