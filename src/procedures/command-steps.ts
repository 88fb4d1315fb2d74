import type { FirebreakConfig } from '../config/schema.js';
import { ArgsError, rawArgsFromText, validateArgs } from '../core/args.js';
import { authorize } from '../core/authorize.js';
import { commandContext, runSafely } from '../core/command-context.js';
import type { Actor, ChannelRef } from '../core/identity.js';
import { noSink, type ReplySink } from '../core/invocation.js';
import type { Outcome, PlannedStep } from '../core/outcome.js';
import { ParseError, parseCommandText } from '../core/parser.js';
import type { PipelinePorts } from '../core/pipeline-ports.js';
import type { CorePorts } from '../core/services.js';
import type { AnyCommandSpec } from '../core/spec.js';
import { stepRefusal } from '../core/step-plan.js';

/** Who a step is planned or run for: the run's requester (planning) or its confirmer (running). */
export interface StepCaller {
  actor: Actor;
  channel: ChannelRef;
  invocationId: string;
  incidentId: string | null;
}

export type PlannedCommand<P extends CorePorts> =
  /** A mutating command planned its step: executed later through `spec.execute`. `secrets`: the names it was given. */
  | { kind: 'plan'; spec: AnyCommandSpec<P>; plan: PlannedStep; secrets: string[] }
  /** A read-only command, checked: its `run` is the step. */
  | { kind: 'read'; spec: AnyCommandSpec<P>; args: unknown; secrets: string[] }
  /** The command refused: one sentence. */
  | { kind: 'invalid'; message: string };

/**
 * A `run:` step's command, through the real parser, registry, role check and the command's own
 * validation. A mutating command only plans (`procedureStep` tells it so): nothing runs here.
 */
export async function planCommand<P extends PipelinePorts<P>>(
  config: FirebreakConfig,
  ports: P,
  text: string,
  who: StepCaller,
  opts: {
    belowMin: boolean;
    /** Requested by the system (a schedule): no role to check for it. */
    bySystem?: boolean;
    /** The procedure's secret params: each reaches the command's secret param of the same name, and only that. */
    secrets?: Readonly<Record<string, string>>;
  },
): Promise<PlannedCommand<P>> {
  let spec: AnyCommandSpec<P> | undefined;
  let args: unknown;
  try {
    const parsed = parseCommandText(text);
    spec = ports.registry.get(parsed.command);
    if (!spec) return { kind: 'invalid', message: `${text}: there is no command /${parsed.command}.` };
    if (spec.name === 'procedure') return { kind: 'invalid', message: `${text}: a procedure cannot run another procedure.` };
    args = validateArgs(spec, rawArgsFromText(spec, parsed));
  } catch (err) {
    if (err instanceof ParseError || err instanceof ArgsError) return { kind: 'invalid', message: `${text}: ${err.message}` };
    throw err;
  }
  const denied = opts.bySystem ? null : authorize(config, { actor: who.actor, channel: who.channel, input: { kind: 'text', text } }, spec);
  if (denied) return { kind: 'invalid', message: `${text}: ${denied.reply.text ?? denied.reply.title}` };
  const asks = spec.secretPrompt?.(args, config, text)?.fields ?? [];
  const given = opts.secrets ?? {};
  const lacking = asks.find((f) => f.required && !Object.hasOwn(given, f.name));
  if (lacking) {
    return { kind: 'invalid', message: `${text}: it needs the secret ${lacking.name}, which the procedure does not pass; declare ${lacking.name} under the procedure's params as a secret param: a procedure's secret reaches a step's secret of the same name, and is asked for privately when the procedure is requested.` };
  }
  const secrets = new Map(asks.filter((f) => Object.hasOwn(given, f.name)).map((f) => [f.name, given[f.name]!] as const));
  if (!spec.mutating) return { kind: 'read', spec, args, secrets: [...secrets.keys()] };
  const ctx = commandContext(config, ports, who.invocationId, { ...who, input: { kind: 'text', text }, secrets }, text, noSink, undefined, { belowMin: opts.belowMin });
  const s = spec;
  const outcome = await runSafely(ports, spec, () => s.run(ctx, args));
  if (outcome.status === 'confirm') {
    // The plan's own role (a /run action's), as a typed request of it would be checked.
    const refusal = opts.bySystem ? null : stepRefusal(config, outcome.plan, { actor: who.actor, what: text });
    if (refusal) return { kind: 'invalid', message: `${text}: ${refusal.reply.text ?? refusal.reply.title}` };
    return { kind: 'plan', spec, plan: outcome.plan, secrets: [...secrets.keys()] };
  }
  if (outcome.status === 'invalid' || outcome.status === 'denied') return { kind: 'invalid', message: `${text}: ${outcome.reply.text ?? outcome.reply.title}` };
  // A mutating command that acted while planning would be a bug in it: say so rather than pretend.
  return { kind: 'invalid', message: `${text}: /${spec.name} did not plan a step (${outcome.reply.title}); it cannot be a procedure step.` };
}

/** Runs a planned or read-only command step; `signal` aborts its tools on shutdown. */
export function runCommand<P extends CorePorts>(
  config: FirebreakConfig,
  ports: P,
  planned: Exclude<PlannedCommand<P>, { kind: 'invalid' }>,
  text: string,
  who: StepCaller,
  sink: ReplySink,
  signal: AbortSignal | undefined,
  opts: { belowMin: boolean; secrets?: Readonly<Record<string, string>> },
): Promise<Outcome> {
  // Only the secrets the command asked for when it was planned.
  const secrets = new Map(planned.secrets.filter((n) => Object.hasOwn(opts.secrets ?? {}, n)).map((n) => [n, opts.secrets![n]!] as const));
  const ctx = commandContext(config, ports, who.invocationId, { ...who, input: { kind: 'text', text }, secrets }, text, sink, signal, { belowMin: opts.belowMin });
  const spec = planned.spec;
  if (planned.kind === 'read') return runSafely(ports, spec, () => spec.run(ctx, planned.args));
  const execute = spec.execute;
  if (!execute) return Promise.resolve({ status: 'failed', reply: { title: `/${spec.name} cannot execute steps`, status: 'error', text: 'Nothing was run.' } });
  return runSafely(ports, spec, () => execute(ctx, planned.plan), 'execute');
}
