import type { Placement } from './placement.js';

/** A command typed by clicking (`run:/health`): dispatched as that text, with that command's own rules. */
export interface CommandButton {
  readonly prefix: string;
  readonly kind: 'command';
  commandText(arg: string): string;
  /** The alert group of the card it is on, when the action id says: the click counts for that group's incident. */
  alertGroup?(arg: string): string | null;
  /**
   * Where the command's answer goes when it would replace the clicked message (the default):
   * a card that must stay, such as an alert card, has its runbook buttons answered in its thread.
   */
  readonly placement?: Placement;
}

/** What is known of any registered button without running it: its prefix and kind (button-handlers.ts has the rest). */
export type ButtonKind = CommandButton | { readonly prefix: string; readonly kind: 'handler' | 'self-recording' };

/** The registered buttons, read-only: what the core's ports carry (the registry implements it). */
export interface ButtonCatalog {
  /** The handler for an action id and the argument after its prefix; null for an unknown prefix. */
  resolve(actionId: string): { handler: ButtonKind; arg: string } | null;
  prefixes(): string[];
}
