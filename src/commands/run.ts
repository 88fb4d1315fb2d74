import { z } from 'zod';
import type { ActionConfig, FirebreakConfig } from '../config/schema.js';
import { displayArgv } from '../core/argv-display.js';
import { didYouMean } from '../config/did-you-mean.js';
import type { Outcome } from '../core/outcome.js';
import { ParseError, splitWords } from '../core/parser.js';
import type { ActionParamValues } from '../core/ports.js';
import type { ReplyField } from '../core/reply.js';
import { alreadyRunning, roleDenied } from '../core/authorize.js';
import { interruptedText, shuttingDownReply } from '../core/step-plan.js';
import { defineCommand, type CommandContext } from '../core/spec.js';
import { checkParamValues, paramHint, parseParamWords, secretParams, shownParams } from '../core/action-params.js';
import { openSecrets, sealSecrets, sealedSecretsSchema } from '../core/held-secrets.js';
import type { SecretPrompt } from '../core/secret-prompt.js';
import { cut, duration } from '../core/text-format.js';

const payloadSchema = z.object({
  name: z.string(),
  values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  /** Secret params, encrypted; their key is held in coordination until Confirm (src/core/held-secrets.ts). */
  sealed: sealedSecretsSchema.optional(),
});

/** What a card shows for a secret param: that it was given, never what. */
const GIVEN_PRIVATELY = '•••••• (given privately)';

function actionNames(config: FirebreakConfig): string[] {
  return Object.keys(config.actions);
}

function paramFields(values: ActionParamValues, secretNames: readonly string[] = []): ReplyField[] {
  return [...Object.entries(values).map(([label, v]) => ({ label, value: String(v) })), ...secretNames.map((label) => ({ label, value: GIVEN_PRIVATELY }))];
}

/** The action's secret params as a private prompt, when it has any (see SecretPrompt). */
function secretPromptOf(name: string, action: ActionConfig, commandText: string): SecretPrompt | null {
  const fields = secretParams(action.params).map((n) => {
    const p = action.params[n]!;
    return { name: n, label: p.description ? `${n}: ${p.description}` : n, required: p.required };
  });
  return fields.length === 0 ? null : { title: name, commandText, fields };
}

function listActions(config: FirebreakConfig): Outcome {
  const entries = Object.entries(config.actions);
  if (entries.length === 0) {
    return { status: 'ok', reply: { title: 'No custom actions', status: 'info', text: 'No custom actions are configured; add them under actions: in the Firebreak config.', ephemeral: true } };
  }
  return {
    status: 'ok',
    reply: {
      title: `Custom actions (${entries.length})`,
      status: 'info',
      rows: entries.map(([name, a]) => ({
        status: 'info' as const,
        cells: [
          name,
          a.description ?? '',
          Object.entries(a.params).map(([n, p]) => paramHint(n, p)).join(' ') || '(no params)',
          a.read_only ? `read-only${a.role ? `, needs ${a.role}` : ''}` : `needs ${mutatingRole(a)}${a.confirm === 'two_person' ? ', confirmed by a second person' : a.confirm ? '' : ', runs without confirmation'}`,
        ],
      })),
      context: 'Run one with /run NAME key=value …; int params take a whole number within the bounds, string params must match the pattern as a whole.',
      ephemeral: true,
    },
  };
}

/** The role a mutating action needs (the config fills "responders" when none is given; only read-only actions may have none). */
function mutatingRole(action: ActionConfig): string {
  return action.role ?? 'responders';
}

/** What an action that succeeded without output says: with filters or an expected non-zero exit, that nothing was found. */
function emptyText(exitCode: number | null, filtered: boolean): string {
  if (exitCode !== null && exitCode !== 0) return `Nothing found (exit ${exitCode}, which this action expects).`;
  return filtered ? 'Nothing found: its output filters left no lines.' : 'It printed nothing.';
}

/** Runs the action through the ActionRunner port and turns what happened into a reply and a timeline record. */
async function perform(ctx: CommandContext, name: string, action: ActionConfig, values: ActionParamValues, secrets: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<Outcome> {
  const runner = ctx.ports.actions;
  if (!runner) {
    return { status: 'failed', reply: { title: `${name} was not run`, status: 'error', text: 'Custom actions are not available in this Firebreak process (no action runner is wired). Nothing was run.' } };
  }
  const r = await runner.run({ name, action, values, secrets, ...(signal ? { signal } : {}) });
  const how = r.httpStatus !== undefined ? `HTTP ${r.httpStatus}` : r.exitCode !== null ? `exit ${r.exitCode}` : action.http ? 'no response' : 'no exit code';
  return {
    status: r.ok ? 'ok' : 'failed',
    reply: {
      title: r.ok ? `${name}: done (${how} in ${duration(r.durationMs, 'tenths')})` : `${name} failed (${how} after ${duration(r.durationMs, 'tenths')})`,
      status: r.ok ? 'ok' : 'error',
      text: r.problem ?? (r.output.trim() === '' && (r.filtered || r.exitCode !== 0) ? emptyText(r.exitCode, r.filtered ?? false) : undefined),
      fields: paramFields(values, Object.keys(secrets)),
      code: r.output || undefined,
      context: displayArgv(r.argv, ctx.ports.redactor),
    },
    // The timeline keeps what chat showed (filtered, bounded) and the exit code.
    execution: { argv: r.argv, exitCode: r.exitCode, durationMs: r.durationMs, output: r.output },
    detail: { action: name, readOnly: action.read_only },
  };
}

/**
 * read_only: true — like /status: anyone in an allowed channel (or the action's own role, when the
 * config names one), no card, no lease (reads run side by side), and no action.started, so the
 * post-mortem never takes it as the mitigation; its outcome event says readOnly as well.
 */
async function runReadOnly(ctx: CommandContext, name: string, action: ActionConfig, values: ActionParamValues, secrets: Readonly<Record<string, string>>): Promise<Outcome> {
  if (action.role && !ctx.hasRole(action.role)) return roleDenied(`/run ${name}`, action.role, ctx.actor);
  return perform(ctx, name, action, values, secrets);
}

/**
 * confirm: false — no card (approval "none"), but still a step: the action's role, one at a time per
 * action under the same lease key a confirmed run takes, and drained by shutdown. Its start is
 * `action.started`; its outcome is the command's own event, which the dispatcher records.
 *
 * Its start is also written as a confirmation that is confirmed already (no card, no decider), in the
 * same transaction as `action.started`, and marked finished under the lease when it ends: so when
 * the process running it dies (SIGKILL, OOM), the interrupted-step sweep reports it like a confirmed
 * step — `action.finished` interrupted and a note in the channel — instead of leaving it "started".
 */
async function runWithoutConfirmation(ctx: CommandContext, name: string, action: ActionConfig, values: ActionParamValues, secrets: Readonly<Record<string, string>>, argv: string[]): Promise<Outcome> {
  const lease = `action:${name}`;
  const shown = shownParams(values);
  const run = await ctx.ports.steps.run<Outcome, Outcome>({
    id: ctx.invocationId,
    plan: { title: name, argv, lease, role: mutatingRole(action), approval: 'none' },
    actor: ctx.actor,
    authority: { config: ctx.config, what: `/run ${name}` },
    leaseTtlMs: action.timeout_s * 1000 + 30_000,
    begin: async () => {
      const redactor = ctx.ports.redactor;
      await ctx.ports.transactor.atomically(async (tx) => {
        await tx.confirmations.createStarted({
          id: ctx.invocationId,
          invocationId: ctx.invocationId,
          command: 'run',
          // What the sweep's note and record show; secrets never reach a plan (they travel beside it).
          plan: { action: 'run', payload: { name, values: { ...values } }, title: redactor.redact(shown ? `Run ${name} with ${shown}` : `Run ${name}`), argv: redactor.redactArgv(argv), lease, role: mutatingRole(action) },
          requestedBy: ctx.actor,
          channel: ctx.channel,
          incidentId: ctx.incidentId,
        });
        await tx.timeline.record({ invocationId: ctx.invocationId, incidentId: ctx.incidentId, kind: 'action.started', actor: ctx.actor, channel: ctx.channel, command: 'run', argv, detail: { action: name } });
      });
      return true;
    },
    execute: (signal) => perform(ctx, name, action, values, secrets, signal),
    finish: async (end) => {
      try {
        if (end.kind === 'finished') return end.value;
        if (end.kind === 'threw') throw end.error;
        return { status: 'failed', recordedAs: 'interrupted', reply: { title: `Interrupted by shutdown: ${name}`, status: 'error', text: interruptedText(name), fields: paramFields(values) }, execution: { argv, durationMs: end.durationMs } };
      } finally {
        // Under the lease still: once released, a step not marked finished is taken for one whose process died.
        await ctx.ports.confirmations.markFinished(ctx.invocationId).catch((err: unknown) =>
          ctx.ports.logger.warn({ invocation: ctx.invocationId, err: ctx.ports.redactor.redact(String(err)) }, `could not mark /run ${name} finished; the interrupted-step sweep may also report it`),
        );
      }
    },
  }, ctx.ports);
  switch (run.kind) {
    case 'done':
      return run.result;
    case 'refused':
      return run.refusal;
    case 'busy':
      return alreadyRunning(run.heldBy, null, { atOnce: true });
    case 'stopping':
      return { status: 'denied', reply: shuttingDownReply(name, 'run it again in a minute, when another Firebreak (or this one, restarted) takes it.') };
    case 'not-begun':
      throw new Error(`/run ${name} was not begun although its start was recorded`);
  }
}

export const runCommand = defineCommand({
  name: 'run',
  summary: 'Run a custom runbook action from the config; with no name, list them',
  usage: '/run [ACTION] [key=value …]',
  params: [
    { name: 'action', description: 'A custom action from the config', type: 'string', choices: actionNames },
    { name: 'params', description: 'The action’s params as key=value', type: 'string', rest: true },
  ],
  // Discord sends the rest as one string option; chat text arrives as words.
  args: z.object({ action: z.string().optional(), params: z.union([z.array(z.string()), z.string()]).optional() }),
  mutating: true,
  // A mutating action listed under one service acts on it (an open incident about it counts it); a read-only one acts on none.
  serviceOf(args, config) {
    const name = args.action?.toLowerCase();
    if (!name || !Object.hasOwn(config.actions, name) || config.actions[name]!.read_only) return null;
    const owners = Object.entries(config.services).filter(([, svc]) => svc.actions.includes(name)).map(([service]) => service);
    return owners.length === 1 ? owners[0]! : null;
  },
  secretPrompt(args, config, commandText) {
    const name = args.action?.toLowerCase();
    if (!name || !Object.hasOwn(config.actions, name)) return null;
    return secretPromptOf(name, config.actions[name]!, commandText);
  },
  async run(ctx, args) {
    if (args.action === undefined || args.action === '') return listActions(ctx.config);
    // Action names are lowercase config keys; `/run Reset-Circuit` means reset-circuit.
    const name = args.action.toLowerCase();
    const action = Object.hasOwn(ctx.config.actions, name) ? ctx.config.actions[name] : undefined;
    if (!action) {
      const known = actionNames(ctx.config);
      return {
        status: 'invalid',
        reply: {
          title: 'Unknown action',
          status: 'error',
          text: known.length > 0 ? `There is no action "${cut(args.action, 40)}".${didYouMean(name, known)} Actions: ${known.join(', ')}.` : `There is no action "${cut(args.action, 40)}": no custom actions are configured.`,
          ephemeral: true,
        },
      };
    }
    let words: readonly string[];
    try {
      // Discord sends the params as one string: split it as chat text is split, quotes included.
      words = typeof args.params === 'string' ? splitWords(args.params) : (args.params ?? []);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      return { status: 'invalid', reply: { title: `/run ${name}: invalid params`, status: 'error', text: err.message, ephemeral: true } };
    }
    const checked = parseParamWords(name, action, words, { secrets: ctx.secrets });
    if (!checked.ok) {
      // A secret typed in the open is masked from here on: in this refusal's record, the logs, every later reply.
      if (checked.exposed) ctx.ports.redactor.learn(checked.exposed);
      return { status: 'invalid', reply: { title: `/run ${name}: invalid params`, status: 'error', text: checked.message, ephemeral: true } };
    }
    const { values, secrets } = checked;
    // Masked wherever it could show up: the tool's output, an error, a log line.
    ctx.ports.redactor.learn(Object.values(secrets));
    const refusal = ctx.ports.actions?.refusal({ name, action, values });
    if (refusal) return { status: 'invalid', reply: { title: `/run ${name}: invalid params`, status: 'error', text: refusal, ephemeral: true } };
    const argv = ctx.ports.actions?.describe({ name, action, values });
    const shown = shownParams(values);
    // A procedure step only plans: its run executes it later, under the procedure's card.
    if (action.read_only && !ctx.procedureStep) return runReadOnly(ctx, name, action, values, secrets);
    if (!action.confirm && !ctx.procedureStep) {
      return runWithoutConfirmation(ctx, name, action, values, secrets, argv ?? []);
    }
    const secretNames = Object.keys(secrets);
    // Held until Confirm at most: the confirmation's own lifetime.
    const sealed = secretNames.length > 0 ? await sealSecrets(ctx.ports.coordination, secrets, ctx.config.confirmations.ttl_s * 1000) : undefined;
    return {
      status: 'confirm',
      plan: {
        action: 'run',
        payload: { name, values: { ...values }, ...(sealed ? { sealed: { ...sealed } } : {}) },
        title: shown ? `Run ${name} with ${shown}?` : `Run ${name}?`,
        fields: [...(action.description ? [{ label: 'Action', value: action.description }] : []), ...paramFields(values, secretNames)],
        argv,
        lease: `action:${name}`,
        role: mutatingRole(action),
        // Restores and FLUSHDB: the requester cannot confirm their own (core's second-person rule).
        approval: action.confirm === 'two_person' ? 'second-person' : 'one',
        confirmLabel: 'Run',
      },
    };
  },
  async execute(ctx, step) {
    const payload = payloadSchema.safeParse(step.payload);
    if (!payload.success) return { status: 'failed', reply: { title: '/run: unreadable confirmation', status: 'error', text: 'This confirmation does not describe an action Firebreak can run. Nothing was run; run the command again.' } };
    const { name, values, sealed } = payload.data;
    const action = Object.hasOwn(ctx.config.actions, name) ? ctx.config.actions[name] : undefined;
    if (!action) return { status: 'failed', reply: { title: `${name} is no longer configured`, status: 'error', text: `The action "${name}" is not in the config any more. Nothing was run.` } };
    const secrets = sealed ? await openSecrets(ctx.ports.coordination, sealed) : {};
    if (secrets === null) {
      return { status: 'failed', reply: { title: `${name} was not run`, status: 'error', text: `The secret given for ${name} is no longer held (it is kept only until the confirmation expires, and only once). Nothing was run; run /run ${name} again and you will be asked for it again.` } };
    }
    ctx.ports.redactor.learn(Object.values(secrets));
    // Checked again: the config may have changed between the request and the click.
    const checked = checkParamValues(name, action, new Map(Object.entries(values).map(([k, v]) => [k, String(v)])), { secrets: new Map(Object.entries(secrets)) });
    if (!checked.ok) return { status: 'failed', reply: { title: `${name} was not run`, status: 'error', text: `The params no longer fit the action's config: ${checked.message}` } };
    return perform(ctx, name, action, checked.values, checked.secrets, ctx.signal);
  },
});

