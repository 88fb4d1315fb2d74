import { authorizeChannel, roleDenied } from './authorize.js';
import type { ButtonEnv, ButtonPress, ButtonRecord, RuledButton } from './button-handlers.js';
import { hasRole } from './guards.js';
import type { DispatchResult } from './invocation.js';
import type { FinishedOutcome, InvocationRecorder } from './invocation-recorder.js';
import type { Reply } from './reply.js';
import type { CorePorts } from './services.js';
import { cut } from './text-format.js';

const defaultRecord = (button: Pick<RuledButton, 'prefix'>, arg: string): ButtonRecord => ({ command: null, text: `(button ${button.prefix} ${cut(arg, 80)})` });

const defaultMalformed = (button: Pick<RuledButton, 'name'>): Reply => ({
  title: 'Unknown button',
  status: 'error',
  text: `This ${button.name} button names nothing Firebreak knows; it may come from an older version. Run the command again.`,
});

/**
 * A press of a button that declares its rules: channel (unless it may be pressed anywhere), role,
 * payload, then the handler. The order is a command's: who may act is settled before what the
 * button names is read, so a refused person learns nothing about the payload. Every path ends in
 * exactly one recorded row, written here (or by a self-recording flow, in its own transaction).
 */
export async function pressButton<P extends CorePorts>(
  button: RuledButton<P>,
  press: Omit<ButtonPress<unknown>, 'payload'>,
  env: ButtonEnv<P>,
  recorder: InvocationRecorder,
): Promise<DispatchResult> {
  const { invocationId, inv, arg } = press;
  const record = (outcome: FinishedOutcome, payload?: unknown, detail?: ButtonRecord['detail']) => {
    const r = button.record ? button.record(arg, payload) : defaultRecord(button, arg);
    return recorder.finish(invocationId, inv, r.command, r.text, outcome, { button: true, detail: { ...r.detail, ...detail } });
  };

  if (!button.outsideAllowedChannels) {
    const refused = authorizeChannel(env.config, inv, button.name);
    if (refused) return record(refused);
  }
  if (button.role && !hasRole(env.config, inv.actor, button.role)) return record(roleDenied(button.name, button.role, inv.actor));
  const parsed = button.payload.safeParse(arg);
  if (!parsed.success) {
    const reply = button.malformed ? button.malformed(arg) : defaultMalformed(button);
    return record({ status: 'invalid', reply: { ...reply, ephemeral: true } });
  }

  const ready = { ...press, payload: parsed.data };
  if (button.kind === 'self-recording') return button.handle(ready, env);
  const { detail, ...outcome } = await button.handle(ready, env);
  return record(outcome, parsed.data, detail);
}
