import { randomUUID } from 'node:crypto';
import type { FirebreakConfig } from '../config/schema.js';
import { ArgsError, rawArgsFromText, textFromRawArgs, validateArgs } from './args.js';
import { formatArgv } from './argv-display.js';
import { keepLeaseAlive } from './lease-keeper.js';
import { allowedChannelsText, channelAllowed, hasRole, workspaceAllowed } from './guards.js';
import type { Actor, ChannelRef } from './identity.js';
import type { FinalStatus, JsonValue, Outcome, PlannedStep } from './outcome.js';
import { ParseError, parseCommandText, truncate } from './parser.js';
import type { CommandMetrics, Confirmation, LeaseInfo } from './ports.js';
import type { Reply } from './reply.js';
import type { Ports } from './services.js';
import type { AnyCommandSpec, CommandContext, RawArgs } from './spec.js';

export type InvocationInput =
  | { kind: 'text'; text: string }
  /** Structured options, as Discord sends them. */
  | { kind: 'options'; command: string; args: RawArgs }
  /** A button click: the actionId of a ReplyButton. */
  | { kind: 'action'; actionId: string };

export interface Invocation {
  actor: Actor;
  channel: ChannelRef;
  input: InvocationInput;
  /** `firebreak run --yes`: confirm at once where this user may confirm alone. */
  autoConfirm?: boolean;
  incidentId?: string | null;
}

export interface ReplySink {
  /** Shows an intermediate state (running…, rollout progress). Platforms may coalesce these. */
  progress(reply: Reply): Promise<void>;
}

export interface DispatchResult {
  invocationId: string;
  status: FinalStatus;
  reply: Reply;
}

const LEASE_TTL_MS = 60_000;
const noSink: ReplySink = { progress: async () => {} };

/** Button action ids. Kept short: Discord allows 100 chars of custom_id. */
export const actionIds = {
  confirm: (id: string) => `confirm:${id}`,
  cancel: (id: string) => `cancel:${id}`,
  run: (text: string) => `run:${text}`,
};

interface Failure {
  status: 'invalid' | 'denied';
  reply: Reply;
}

/**
 * The one pipeline every platform calls: parse → authorize → (plan → confirm → lease) → run → record.
 * Every path, including refusals, ends in exactly one recorded outcome for the invocation.
 */
export class Dispatcher {
  constructor(
    private readonly config: FirebreakConfig,
    private readonly ports: Ports,
    private readonly metrics: CommandMetrics,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** When each invocation in flight began, so its timeline row carries a duration even without an external tool. */
  private readonly startedAt = new Map<string, number>();

  async dispatch(inv: Invocation, sink: ReplySink = noSink): Promise<DispatchResult> {
    // A "run:" button is a command typed by clicking: it is that command, counted under its name.
    if (inv.input.kind === 'action' && inv.input.actionId.startsWith('run:')) {
      return this.dispatch({ ...inv, input: { kind: 'text', text: inv.input.actionId.slice('run:'.length) } }, sink);
    }
    const invocationId = randomUUID();
    const started = performance.now();
    this.startedAt.set(invocationId, started);
    let commandName = '(unknown)';
    let result: DispatchResult;
    try {
      if (inv.input.kind === 'action') {
        const kind = inv.input.actionId.split(':')[0] ?? '';
        // Fixed labels, so arbitrary action ids cannot mint metric series.
        commandName = kind === 'confirm' || kind === 'cancel' ? `(${kind})` : '(button)';
        result = await this.dispatchAction(invocationId, inv, inv.input.actionId, sink);
      } else {
        const r = await this.dispatchCommand(invocationId, inv, sink);
        commandName = r.command;
        result = r.result;
      }
    } catch (err) {
      // Reaching here means the store failed to record: say so rather than pretend it worked.
      this.ports.logger.error({ err: this.redactError(err), invocationId }, 'dispatch failed');
      result = {
        invocationId,
        status: 'failed',
        reply: {
          title: 'Firebreak could not complete this command',
          status: 'error',
          text: `Internal error: ${this.redactError(err)}. Nothing further was run; check the Firebreak logs (invocation ${invocationId}).`,
        },
      };
    }
    this.startedAt.delete(invocationId);
    this.metrics.observeCommand(commandName, result.status, (performance.now() - started) / 1000);
    return result;
  }

  private async dispatchCommand(
    invocationId: string,
    inv: Invocation,
    sink: ReplySink,
  ): Promise<{ command: string; result: DispatchResult }> {
    const input = inv.input as Exclude<InvocationInput, { kind: 'action' }>;
    let text = input.kind === 'text' ? input.text : `/${input.command}`;
    let spec: AnyCommandSpec | undefined;
    let raw: RawArgs;
    try {
      if (input.kind === 'text') {
        const parsed = parseCommandText(input.text);
        spec = this.ports.registry.get(parsed.command);
        if (!spec) throw new ParseError(this.unknownCommandText(parsed.command));
        raw = rawArgsFromText(spec, parsed);
      } else {
        spec = this.ports.registry.get(input.command);
        if (!spec) throw new ParseError(this.unknownCommandText(input.command));
        raw = input.args;
        text = textFromRawArgs(spec, raw);
      }
    } catch (err) {
      if (err instanceof ParseError || err instanceof ArgsError) {
        const failure: Failure = { status: 'invalid', reply: { title: 'Invalid command', status: 'error', text: err.message, ephemeral: true } };
        return { command: spec?.name ?? '(invalid)', result: await this.finish(invocationId, inv, spec?.name ?? null, truncate(text, 500), failure) };
      }
      throw err;
    }

    const denied = this.authorize(inv, spec);
    if (denied) return { command: spec.name, result: await this.finish(invocationId, inv, spec.name, text, denied) };

    let args: unknown;
    try {
      args = validateArgs(spec, raw);
    } catch (err) {
      if (!(err instanceof ArgsError)) throw err;
      const failure: Failure = { status: 'invalid', reply: { title: `/${spec.name}: invalid arguments`, status: 'error', text: err.message, ephemeral: true } };
      return { command: spec.name, result: await this.finish(invocationId, inv, spec.name, text, failure) };
    }

    const ctx = this.context(invocationId, inv, text, sink, inv.incidentId ?? null);
    const outcome = await this.runSafely(spec, () => spec.run(ctx, args));
    if (outcome.status !== 'confirm') {
      return { command: spec.name, result: await this.finish(invocationId, inv, spec.name, text, outcome) };
    }
    return { command: spec.name, result: await this.requestConfirmation(invocationId, inv, spec, text, outcome.plan, sink) };
  }

  private authorize(inv: Invocation, spec: AnyCommandSpec): Failure | null {
    if (!workspaceAllowed(this.config, inv.channel)) {
      return {
        status: 'denied',
        reply: {
          title: `/${spec.name} is not available here`,
          status: 'error',
          text: `This Firebreak serves other ${inv.channel.platform === 'discord' ? 'servers' : 'workspaces'} (chat.workspaces in its config). Nothing was run.`,
          ephemeral: true,
        },
      };
    }
    if (!channelAllowed(this.config, inv.channel)) {
      if (inv.channel.name === '') {
        return {
          status: 'denied',
          reply: {
            title: `/${spec.name} cannot tell which channel this is`,
            status: 'error',
            text: `Firebreak could not read this channel's name, so it cannot check that commands are allowed here. In a private channel, invite it first (/invite @firebreak). Nothing was run.`,
            ephemeral: true,
          },
        };
      }
      return {
        status: 'denied',
        reply: {
          title: `/${spec.name} is not allowed in #${inv.channel.name}`,
          status: 'error',
          text: `Firebreak commands run only in ${allowedChannelsText(this.config)}. Nothing was run.`,
          ephemeral: true,
        },
      };
    }
    const role = spec.role;
    if (role && !hasRole(this.config, inv.actor, role)) return this.roleDenied(`/${spec.name}`, role, inv.actor);
    return null;
  }

  private roleDenied(what: string, role: string, actor: Actor): Failure {
    return {
      status: 'denied',
      reply: {
        title: `Not allowed: ${what}`,
        status: 'error',
        text: `${what} needs the "${role}" role, which ${actor.name} does not have. Ask an admin to add "${actor.platform}:${actor.id}" to roles.${role} in the Firebreak config. Nothing was run.`,
        ephemeral: true,
      },
    };
  }

  private async requestConfirmation(
    invocationId: string,
    inv: Invocation,
    spec: AnyCommandSpec,
    text: string,
    plan: PlannedStep,
    sink: ReplySink,
  ): Promise<DispatchResult> {
    if (!hasRole(this.config, inv.actor, plan.role)) {
      return this.finish(invocationId, inv, spec.name, text, this.roleDenied(`/${spec.name}`, plan.role, inv.actor));
    }
    // Busy now → say so instead of a card: a card drawn while another operation is changing the
    // target shows a state that is about to be wrong (a second /rollback would offer the bad image).
    const busy = await this.ports.leases.current(plan.lease);
    if (busy) return this.finish(invocationId, inv, spec.name, text, this.alreadyRunning(busy, null));
    const id = randomUUID().replace(/-/g, '').slice(0, 20);
    const expiresAt = new Date(this.now().getTime() + this.config.confirmations.ttl_s * 1000);
    await this.ports.confirmations.create({
      id,
      invocationId,
      command: spec.name,
      // Only what people read is masked. The payload, lease and role are validated config names and
      // typed values that execute needs verbatim: masking one that happens to equal a secret's value
      // would make the confirmed step differ from the one shown.
      plan: {
        ...plan,
        title: this.ports.redactor.redact(plan.title),
        fields: plan.fields ? this.ports.redactor.redactValue(plan.fields) : undefined,
        argv: plan.argv ? this.ports.redactor.redactArgv(plan.argv) : undefined,
        note: plan.note ? this.ports.redactor.redact(plan.note) : undefined,
      },
      requestedBy: inv.actor,
      channel: inv.channel,
      expiresAt,
    });
    const card = this.confirmationCard(id, plan, inv.actor, expiresAt);
    const result = await this.finish(invocationId, inv, spec.name, text, { status: 'pending', reply: card }, plan.argv, { confirmation: id, plan: plan.title });
    if (inv.autoConfirm) {
      if (plan.approval === 'second-person') {
        return {
          ...result,
          reply: { ...card, text: `${card.text ?? ''}\n--yes cannot approve this: a second person must confirm it from chat or with \`firebreak run\` as themselves.`.trim() },
        };
      }
      return this.confirm(invocationId, inv, id, sink);
    }
    return result;
  }

  private alreadyRunning(h: LeaseInfo, c: Confirmation | null): Failure {
    return {
      status: 'denied',
      reply: {
        title: 'Already running',
        status: 'warning',
        text:
          c && h.id === c.id
            ? `${c.plan.title} is already running (confirmed by ${h.actorName} at ${h.acquiredAt.toISOString()}).`
            : `${h.description} is already running, started by ${h.actorName} at ${h.acquiredAt.toISOString()}. Nothing was run; try again when it has finished.`,
        ephemeral: true,
      },
    };
  }

  private confirmationCard(id: string, plan: PlannedStep, requester: Actor, expiresAt: Date): Reply {
    const minutes = Math.round((expiresAt.getTime() - this.now().getTime()) / 60_000);
    const who =
      plan.approval === 'second-person'
        ? `Needs a second person: someone other than ${requester.name} with the "${plan.role}" role must confirm.`
        : undefined;
    return {
      title: plan.title,
      status: 'pending',
      fields: plan.fields,
      code: plan.argv ? formatArgv(this.ports.redactor.redactArgv(plan.argv)) : undefined,
      text: [plan.note, who].filter(Boolean).join('\n') || undefined,
      context: `Requested by ${requester.name} · expires in ${minutes} min`,
      buttons: [
        {
          actionId: actionIds.confirm(id),
          label: plan.confirmLabel ?? 'Confirm',
          style: 'danger',
          confirm: { title: 'Are you sure?', text: plan.title, confirm: plan.confirmLabel ?? 'Confirm', deny: 'Back' },
        },
        { actionId: actionIds.cancel(id), label: 'Cancel' },
      ],
    };
  }

  private async dispatchAction(invocationId: string, inv: Invocation, actionId: string, sink: ReplySink): Promise<DispatchResult> {
    const sep = actionId.indexOf(':');
    const kind = sep < 0 ? actionId : actionId.slice(0, sep);
    const arg = sep < 0 ? '' : actionId.slice(sep + 1);
    if (kind === 'confirm') return this.confirm(invocationId, inv, arg, sink);
    if (kind === 'cancel') return this.cancel(invocationId, inv, arg);
    return this.finish(invocationId, inv, null, `(button ${truncate(actionId, 60)})`, {
      status: 'invalid',
      reply: { title: 'Unknown button', status: 'error', text: 'This button is not one Firebreak knows; it may come from an older version. Run the command again.', ephemeral: true },
    });
  }

  private async loadPending(invocationId: string, inv: Invocation, id: string, verb: string): Promise<Confirmation | DispatchResult> {
    const c = await this.ports.confirmations.get(id);
    const label = `(${verb} ${truncate(id, 24)})`;
    if (!c) {
      return this.finish(invocationId, inv, null, label, {
        status: 'invalid',
        reply: { title: 'Unknown confirmation', status: 'error', text: 'This confirmation does not exist (any more). Run the command again.', ephemeral: true },
      });
    }
    if (c.status !== 'pending') {
      const by = c.decidedBy?.name ?? 'someone';
      const at = c.decidedAt ? c.decidedAt.toISOString() : '';
      return this.finish(invocationId, inv, c.command, label, {
        status: 'invalid',
        reply: { title: `Already ${c.status}`, status: 'info', text: `${c.plan.title} was already ${c.status} by ${by} at ${at}. Nothing more was run.`, ephemeral: true },
      });
    }
    if (c.expiresAt.getTime() <= this.now().getTime()) return this.expired(invocationId, inv, c, label);
    return c;
  }

  private expired(invocationId: string, inv: Invocation, c: Confirmation, label: string): Promise<DispatchResult> {
    return this.finish(invocationId, inv, c.command, label, {
      status: 'invalid',
      reply: { title: 'Confirmation expired', status: 'error', text: `This confirmation expired at ${c.expiresAt.toISOString()}. Nothing was run; run the command again for a fresh one.`, ephemeral: true },
    });
  }

  /**
   * The store refused to decide: someone else decided first, or the store's clock says it expired
   * although ours did not yet. Either way the person gets a reply, never a half-made result.
   */
  private async undecided(invocationId: string, inv: Invocation, id: string, verb: string): Promise<DispatchResult> {
    const again = await this.loadPending(invocationId, inv, id, verb);
    return 'plan' in again ? this.expired(invocationId, inv, again, `(${verb} ${truncate(id, 24)})`) : again;
  }

  private async cancel(invocationId: string, inv: Invocation, id: string): Promise<DispatchResult> {
    const c = await this.loadPending(invocationId, inv, id, 'cancel');
    if (!('plan' in c)) return c;
    const decided = await this.ports.confirmations.decide(id, 'cancelled', inv.actor);
    if (!decided) return this.undecided(invocationId, inv, id, 'cancel');
    return this.finish(invocationId, inv, c.command, `(cancel) ${c.plan.title}`, {
      status: 'cancelled',
      reply: { title: `Cancelled: ${c.plan.title}`, status: 'info', text: `Cancelled by ${inv.actor.name}. Nothing was run.` },
    }, undefined, { confirmation: id });
  }

  private async confirm(invocationId: string, inv: Invocation, id: string, sink: ReplySink): Promise<DispatchResult> {
    const c = await this.loadPending(invocationId, inv, id, 'confirm');
    if (!('plan' in c)) return c;
    const label = `(confirm) ${c.plan.title}`;
    const spec = this.ports.registry.get(c.command);
    if (!spec?.execute) throw new Error(`confirmation ${id} names /${c.command}, which cannot execute steps`);
    if (!hasRole(this.config, inv.actor, c.plan.role)) {
      return this.finish(invocationId, inv, c.command, label, this.roleDenied(`confirming /${c.command}`, c.plan.role, inv.actor));
    }
    if (c.plan.approval === 'second-person' && c.requestedBy.platform === inv.actor.platform && c.requestedBy.id === inv.actor.id) {
      return this.finish(invocationId, inv, c.command, label, {
        status: 'denied',
        reply: { title: 'A second person must confirm', status: 'error', text: `${c.plan.title} was requested by you; someone else with the "${c.plan.role}" role must confirm it. Nothing was run.`, ephemeral: true },
      });
    }

    // Lease before claiming, so a busy target leaves the confirmation usable for a later try.
    const lease = await this.ports.leases.acquire(c.plan.lease, { id, actorName: inv.actor.name, description: c.plan.title }, LEASE_TTL_MS);
    if (!lease.acquired) return this.finish(invocationId, inv, c.command, label, this.alreadyRunning(lease.heldBy, c));
    try {
      const decided = await this.ports.confirmations.decide(id, 'confirmed', inv.actor);
      if (!decided) return await this.undecided(invocationId, inv, id, 'confirm');
      return await this.executeUnderLease(invocationId, inv, spec, decided, sink);
    } finally {
      await this.ports.leases.release(c.plan.lease, id).catch((err: unknown) =>
        this.ports.logger.warn({ err: this.redactError(err), lease: c.plan.lease }, 'lease release failed; it will expire'),
      );
    }
  }

  private async executeUnderLease(
    invocationId: string,
    inv: Invocation,
    spec: AnyCommandSpec,
    c: Confirmation,
    sink: ReplySink,
  ): Promise<DispatchResult> {
    const redactor = this.ports.redactor;
    const base = { invocationId: c.invocationId, incidentId: inv.incidentId ?? null, channel: inv.channel, command: c.command };
    await this.ports.timeline.append({ ...base, kind: 'confirmation.confirmed', actor: inv.actor, text: c.plan.title, argv: c.plan.argv ? redactor.redactArgv(c.plan.argv) : null, detail: { confirmation: c.id, requestedBy: c.requestedBy.name } });
    // Recorded before anything runs: if this write fails, nothing runs.
    await this.ports.timeline.append({ ...base, kind: 'action.started', actor: inv.actor, text: c.plan.title, argv: c.plan.argv ? redactor.redactArgv(c.plan.argv) : null });

    const stopRenewing = keepLeaseAlive(this.ports.leases, { key: c.plan.lease, holderId: c.id, ttlMs: LEASE_TTL_MS }, this.ports.logger);
    const started = performance.now();
    let outcome: Outcome;
    try {
      await sink.progress({ title: `Running: ${c.plan.title}`, status: 'pending', context: `Confirmed by ${inv.actor.name}`, code: c.plan.argv ? formatArgv(redactor.redactArgv(c.plan.argv)) : undefined });
      const ctx = this.context(c.invocationId, inv, `/${c.command}`, sink, inv.incidentId ?? null);
      outcome = await this.runSafely(spec, () => spec.execute!(ctx, c.plan));
    } finally {
      stopRenewing();
    }
    if (outcome.status === 'confirm') throw new Error(`/${c.command} planned another step from execute; that is not supported`);
    const execution = 'execution' in outcome ? outcome.execution : undefined;
    const durationMs = Math.round(execution?.durationMs ?? performance.now() - started);
    await this.ports.timeline.append({
      ...base,
      kind: 'action.finished',
      actor: inv.actor,
      text: c.plan.title,
      argv: execution?.argv ? redactor.redactArgv(execution.argv) : c.plan.argv ? redactor.redactArgv(c.plan.argv) : null,
      exitCode: execution?.exitCode ?? null,
      outcome: outcome.status,
      output: execution?.output ? redactor.redact(execution.output) : null,
      durationMs,
      detail: { confirmation: c.id, confirmedBy: inv.actor.name, title: outcome.reply.title },
    });
    const reply: Reply = { ...outcome.reply, context: [outcome.reply.context, `Requested by ${c.requestedBy.name} · confirmed by ${inv.actor.name}`].filter(Boolean).join(' · ') };
    return { invocationId: c.invocationId, status: outcome.status, reply: redactor.redactValue(reply) };
  }

  private async runSafely(spec: AnyCommandSpec, fn: () => Promise<Outcome>): Promise<Outcome> {
    try {
      return await fn();
    } catch (err) {
      this.ports.logger.error({ err: this.redactError(err), command: spec.name }, 'command threw');
      return {
        status: 'failed',
        reply: { title: `/${spec.name} failed`, status: 'error', text: `${this.redactError(err)}` },
      };
    }
  }

  private context(invocationId: string, inv: Invocation, text: string, sink: ReplySink, incidentId: string | null): CommandContext {
    const { timeline, redactor } = this.ports;
    const command = text.replace(/^\//, '').split(/\s/)[0] ?? null;
    return {
      config: this.config,
      actor: inv.actor,
      channel: inv.channel,
      invocationId,
      commandText: text,
      ports: this.ports,
      hasRole: (role) => hasRole(this.config, inv.actor, role),
      progress: (reply) => sink.progress(redactor.redactValue(reply)),
      record: async (kind, fields = {}) => {
        await timeline.append({
          invocationId,
          incidentId,
          kind,
          actor: inv.actor,
          channel: inv.channel,
          command,
          argv: fields.argv ? redactor.redactArgv(fields.argv) : null,
          output: fields.output ? redactor.redact(fields.output) : null,
          detail: fields.detail ? redactor.redactValue(fields.detail) : {},
        });
      },
    };
  }

  /** Records the invocation's outcome (durably, before the user is told) and shapes the result. */
  private async finish(
    invocationId: string,
    inv: Invocation,
    command: string | null,
    text: string,
    outcome: { status: FinalStatus; reply: Reply; execution?: { argv?: string[]; exitCode?: number | null; durationMs?: number; output?: string } },
    plannedArgv?: string[],
    detail: { [key: string]: JsonValue } = {},
  ): Promise<DispatchResult> {
    const redactor = this.ports.redactor;
    const ex = outcome.execution;
    const argv = ex?.argv ?? plannedArgv;
    const kind = outcome.status === 'denied' ? 'command.denied' : outcome.status === 'invalid' ? 'command.invalid' : outcome.status === 'pending' ? 'confirmation.requested' : outcome.status === 'cancelled' ? 'confirmation.cancelled' : 'command';
    await this.ports.timeline.append({
      invocationId,
      incidentId: inv.incidentId ?? null,
      kind,
      actor: inv.actor,
      channel: inv.channel,
      command,
      text: redactor.redact(text),
      argv: argv ? redactor.redactArgv(argv) : null,
      exitCode: ex?.exitCode ?? null,
      outcome: outcome.status,
      output: ex?.output ? redactor.redact(ex.output) : outcome.status === 'ok' ? null : redactor.redact(outcome.reply.text ?? outcome.reply.title),
      durationMs: ex?.durationMs ?? this.elapsedMs(invocationId),
      detail: redactor.redactValue({ ...detail, title: outcome.reply.title }),
    });
    return { invocationId, status: outcome.status, reply: redactor.redactValue(outcome.reply) };
  }

  private elapsedMs(invocationId: string): number | null {
    const t = this.startedAt.get(invocationId);
    return t === undefined ? null : Math.round(performance.now() - t);
  }

  private unknownCommandText(name: string): string {
    return `Unknown command /${truncate(name, 40)}. Commands: ${this.ports.registry.names().map((n) => `/${n}`).join(', ')}.`;
  }

  private redactError(err: unknown): string {
    const msg = err instanceof Error ? err.message : String(err);
    return this.ports.redactor.redact(msg);
  }
}
