import type { FirebreakConfig } from '../config/schema.js';
import { hasRole } from './guards.js';
import type { Invocation, ReplySink } from './invocation.js';
import type { Outcome } from './outcome.js';
import type { Ports } from './services.js';
import type { AnyCommandSpec, CommandContext } from './spec.js';

/** What a command's run or execute sees of its invocation. */
export function commandContext(config: FirebreakConfig, ports: Ports, invocationId: string, inv: Invocation, text: string, sink: ReplySink): CommandContext {
  const command = text.replace(/^\//, '').split(/\s/)[0] ?? null;
  return {
    config,
    actor: inv.actor,
    channel: inv.channel,
    invocationId,
    incidentId: inv.incidentId ?? null,
    commandText: text,
    ports,
    hasRole: (role) => hasRole(config, inv.actor, role),
    progress: (reply) => sink.progress(ports.redactor.redactValue(reply)),
    record: async (kind, fields = {}) => {
      await ports.timeline.record({
        invocationId,
        incidentId: inv.incidentId ?? null,
        kind,
        actor: inv.actor,
        channel: inv.channel,
        command,
        argv: fields.argv ?? null,
        output: fields.output ?? null,
        detail: fields.detail ?? {},
      });
    },
  };
}

/** A command that throws fails with its message (redacted, logged); it never takes the pipeline down. */
export async function runSafely(ports: Ports, spec: AnyCommandSpec, fn: () => Promise<Outcome>): Promise<Outcome> {
  try {
    return await fn();
  } catch (err) {
    const msg = ports.redactor.redact(err instanceof Error ? err.message : String(err));
    ports.logger.error({ err: msg, command: spec.name }, 'command threw');
    return { status: 'failed', reply: { title: `/${spec.name} failed`, status: 'error', text: msg } };
  }
}
