import type { FirebreakConfig } from '../config/schema.js';
import { hasRole } from './guards.js';
import type { Invocation, ReplySink } from './invocation.js';
import type { Outcome } from './outcome.js';
import type { CorePorts } from './services.js';
import { isStoreOutage } from './store-outage.js';
import type { CommandDescription } from './command-catalog.js';
import type { CommandContext, ProcedureStepOptions } from './spec.js';

/** What a command's run or execute sees of its invocation. */
export function commandContext<P extends CorePorts>(config: FirebreakConfig, ports: P, invocationId: string, inv: Invocation, text: string, sink: ReplySink, signal?: AbortSignal, procedureStep?: ProcedureStepOptions): CommandContext<P> {
  const command = text.replace(/^\//, '').split(/\s/)[0] ?? null;
  return {
    config,
    actor: inv.actor,
    channel: inv.channel,
    invocationId,
    incidentId: inv.incidentId ?? null,
    commandText: text,
    ports,
    ...(signal ? { signal } : {}),
    ...(procedureStep ? { procedureStep } : {}),
    secrets: inv.secrets ?? new Map(),
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

/**
 * A command that throws fails with its message (redacted, logged); it never takes the pipeline down.
 * A store outage is said only to the person, in words: its details (hosts, ports) are for the log.
 * `stage` says whether a confirmed step may have started changing things.
 */
export async function runSafely(ports: Pick<CorePorts, 'redactor' | 'logger'>, spec: Pick<CommandDescription, 'name'>, fn: () => Promise<Outcome>, stage: 'run' | 'execute' = 'run'): Promise<Outcome> {
  try {
    return await fn();
  } catch (err) {
    const msg = ports.redactor.redact(err instanceof Error ? err.message : String(err));
    ports.logger.error({ err: msg, command: spec.name }, 'command threw');
    if (isStoreOutage(err)) {
      const what = stage === 'run' ? 'Nothing was run.' : `/${spec.name} stopped when the database went away; check the target before running it again.`;
      return { status: 'failed', placement: { kind: 'private' }, reply: { title: "Firebreak's database is unreachable", status: 'error', text: `${what} The details are in Firebreak's log.`, ephemeral: true } };
    }
    return { status: 'failed', reply: { title: `/${spec.name} failed`, status: 'error', text: msg } };
  }
}
