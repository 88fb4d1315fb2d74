import type { FirebreakConfig } from '../config/schema.js';
import type { ConfirmationFlow } from './confirmation-flow.js';
import type { DispatchResult, Invocation, ReplySink } from './invocation.js';
import type { InvocationRecorder } from './invocation-recorder.js';
import type { Placement } from './placement.js';
import type { Ports } from './services.js';

/** One click, as a handler sees it: `arg` is the action id after `prefix:`. */
export interface ButtonClick {
  invocationId: string;
  inv: Invocation;
  actionId: string;
  arg: string;
  sink: ReplySink;
}

/** What a handler may use besides the ports: the outcome recorder and the confirmation flow. */
export interface ButtonEnv {
  readonly config: FirebreakConfig;
  readonly ports: Ports;
  readonly recorder: InvocationRecorder;
  readonly confirmations: ConfirmationFlow;
  now(): Date;
}

export type ButtonHandler =
  /** A command typed by clicking (`run:/health`): dispatched as that text, counted under its command. */
  | {
      readonly prefix: string;
      readonly kind: 'command';
      commandText(arg: string): string;
      /**
       * Where the command's answer goes when it would replace the clicked message (the default):
       * a card that must stay, such as an alert card, has its runbook buttons answered in its thread.
       */
      readonly placement?: Placement;
    }
  | {
      readonly prefix: string;
      readonly kind: 'handler';
      /** The metric label of its clicks: fixed, so arbitrary action ids cannot mint series. */
      readonly metricLabel: string;
      /** Must end in exactly one recorded outcome (env.recorder.finish), like every invocation. */
      handle(click: ButtonClick, env: ButtonEnv): Promise<DispatchResult>;
    };

/** Action-id prefix → handler. A new kind of button is one file exporting a handler, listed in main.ts. */
export class ButtonRegistry {
  private readonly byPrefix = new Map<string, ButtonHandler>();

  constructor(handlers: readonly ButtonHandler[]) {
    for (const h of handlers) {
      if (!/^[a-z][a-z0-9-]*$/.test(h.prefix)) throw new Error(`button prefix "${h.prefix}" must be lowercase letters, digits and dashes`);
      if (this.byPrefix.has(h.prefix)) throw new Error(`button prefix "${h.prefix}:" is registered twice`);
      this.byPrefix.set(h.prefix, h);
    }
  }

  /** The handler for an action id and the argument after its prefix; null for an unknown prefix. */
  resolve(actionId: string): { handler: ButtonHandler; arg: string } | null {
    const sep = actionId.indexOf(':');
    const prefix = sep < 0 ? actionId : actionId.slice(0, sep);
    const handler = this.byPrefix.get(prefix);
    return handler ? { handler, arg: sep < 0 ? '' : actionId.slice(sep + 1) } : null;
  }

  prefixes(): string[] {
    return [...this.byPrefix.keys()];
  }
}
