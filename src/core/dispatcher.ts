import { randomUUID } from 'node:crypto';
import type { FirebreakConfig } from '../config/schema.js';
import { ArgsError, rawArgsFromText, textFromRawArgs, validateArgs } from './args.js';
import { authorize } from './authorize.js';
import { ChannelIncidents } from './channel-incidents.js';
import type { ButtonEnv } from './button-handlers.js';
import { pressButton } from './button-press.js';
import { commandContext, runSafely } from './command-context.js';
import { ConfirmationFlow } from './confirmation-flow.js';
import { didYouMean } from '../config/did-you-mean.js';
import { isStoreOutage } from './store-outage.js';
import { noSink, type DispatchResult, type Invocation, type InvocationDispatcher, type InvocationInput, type ReplySink } from './invocation.js';
import { InvocationRecorder } from './invocation-recorder.js';
import { ParseError, parseCommandText } from './parser.js';
import type { CommandMetrics } from './ports.js';
import type { PipelinePorts } from './pipeline-ports.js';
import type { AnyCommandSpec, RawArgs } from './spec.js';
import { cut } from './text-format.js';
import type { SecretPrompt } from './secret-prompt.js';
import { normalizeIncidentId, serviceOf, withRecordedIn } from './attribution.js';

export type { DispatchResult, Invocation, InvocationDispatcher, InvocationInput, ReplySink } from './invocation.js';
export { actionIds } from './confirmation-card.js';


/**
 * The one pipeline every platform calls: parse → authorize → (plan → confirm → lease) → run → record.
 * Buttons go to the handler registered for their prefix, past the rules it declares (button-press.ts).
 * Every path, including refusals, ends in exactly one recorded outcome for the invocation.
 */
export class Dispatcher<P extends PipelinePorts<P>> implements InvocationDispatcher {
  private readonly recorder: InvocationRecorder;
  private readonly confirmations: ConfirmationFlow<P>;
  private readonly env: ButtonEnv<P>;
  private readonly channelIncidents: ChannelIncidents;

  constructor(
    private readonly config: FirebreakConfig,
    private readonly ports: P,
    private readonly metrics: CommandMetrics,
    now: () => Date = () => new Date(),
  ) {
    this.recorder = new InvocationRecorder(ports.timeline, ports.redactor);
    this.confirmations = new ConfirmationFlow(config, ports, this.recorder, now);
    this.env = { config, ports, confirmations: this.confirmations, now };
    const attribution = ports.incidentAttribution;
    this.channelIncidents = new ChannelIncidents(
      (platform, channelId) => attribution.byChannel(platform, channelId),
      ports.logger,
      Date.now,
      attribution.byChannels ? (platform, channelIds) => attribution.byChannels!(platform, channelIds) : undefined,
    );
  }

  /** A look-up of which incident work counts for; a failure is logged and attributes nothing (the command still runs). */
  private async attribution(what: string, lookup: () => Promise<{ id: string } | null>): Promise<string | null> {
    try {
      return (await lookup())?.id ?? null;
    } catch (err) {
      this.ports.logger.warn({ what, err: err instanceof Error ? err.message : String(err) }, 'could not look up which incident this counts for; it runs without one');
      return null;
    }
  }

  async dispatch(inv: Invocation, sink: ReplySink = noSink): Promise<DispatchResult> {
    // Which incident this counts for (docs/incidents.md): one entered explicitly (the console's
    // `/incident use`, `firebreak run --incident`), else the channel's own, else the alert group of
    // the card a button is on; a mutating command may still count by its service (dispatchCommand).
    // Every event of this invocation carries it.
    const button = inv.input.kind === 'action' ? this.ports.buttons.resolve(inv.input.actionId) : null;
    if (inv.enteredIncidentId !== undefined) {
      const id = normalizeIncidentId(inv.enteredIncidentId);
      let entered: { id: string } | null;
      try {
        entered = id === null ? null : await this.ports.incidentAttribution.get(id);
      } catch (err) {
        // It cannot be checked: running it outside the incident would be the silent loss this rule is for.
        this.ports.logger.error({ err: this.ports.redactor.redact(err instanceof Error ? err.message : String(err)) }, 'could not look up the entered incident');
        return this.recorder.result(randomUUID(), {
          status: 'failed',
          placement: { kind: 'private' },
          reply: { title: "Firebreak's database is unreachable", status: 'error', text: `Nothing was run: ${cut(inv.enteredIncidentId, 40)} could not be checked. Try again in a minute.`, ephemeral: true },
        });
      }
      if (!entered) return this.noSuchIncident(inv);
      inv = { ...inv, incidentId: entered.id, enteredIncidentId: undefined };
    } else if (inv.incidentId === undefined || inv.incidentId === null) {
      let incidentId: string | null = inv.incidentId ?? null;
      if (inv.incidentId === undefined) incidentId = await this.channelIncidents.incidentOf(inv.channel.platform, inv.channel.id);
      const group = button?.handler.kind === 'command' ? (button.handler.alertGroup?.(button.arg) ?? null) : null;
      if (incidentId === null && group !== null) incidentId = await this.attribution('alert group', () => this.ports.incidentAttribution.byAlertGroup(group));
      inv = { ...inv, incidentId };
    }
    // A command button is that command typed by clicking: it is that command, counted under its name.
    if (button?.handler.kind === 'command') {
      const result = await this.dispatch({ ...inv, input: { kind: 'text', text: button.handler.commandText(button.arg) } }, sink);
      const placement = button.handler.placement;
      return placement && result.placement.kind === 'replace' && !result.sourceUpdate ? { ...result, placement } : result;
    }
    const invocationId = randomUUID();
    const started = performance.now();
    this.recorder.begin(invocationId);
    let commandName = '(unknown)';
    let result: DispatchResult;
    try {
      if (inv.input.kind === 'action') {
        const actionId = inv.input.actionId;
        if (button) {
          commandName = button.handler.metricLabel;
          result = await pressButton(button.handler, { invocationId, inv, actionId, arg: button.arg, sink }, this.env, this.recorder);
        } else {
          commandName = '(button)';
          result = await this.recorder.finish(invocationId, inv, null, `(button ${cut(actionId, 60)})`, {
            status: 'invalid',
            reply: { title: 'Unknown button', status: 'error', text: 'This button is not one Firebreak knows; it may come from an older version. Run the command again.', ephemeral: true },
          });
        }
      } else {
        const r = await this.dispatchCommand(invocationId, inv, inv.input, sink);
        commandName = r.command;
        result = r.result;
      }
    } catch (err) {
      // Reaching here means the store failed before anything ran (what ran is kept, see KeptRecords).
      // The details are for the log; the person, alone, gets words.
      const msg = this.ports.redactor.redact(err instanceof Error ? err.message : String(err));
      this.ports.logger.error({ err: msg, invocationId }, 'dispatch failed');
      result = this.recorder.result(invocationId, {
        status: 'failed',
        placement: { kind: 'private' },
        reply: isStoreOutage(err)
          ? { title: "Firebreak's database is unreachable", status: 'error', text: `Nothing was run. Try again in a minute; the details are in Firebreak's log (invocation ${invocationId}).`, ephemeral: true }
          : { title: 'Firebreak could not complete this command', status: 'error', text: `Nothing further was run; the details are in Firebreak's log (invocation ${invocationId}).`, ephemeral: true },
      });
    }
    this.recorder.end(invocationId);
    this.metrics.observeCommand(commandName, result.status, (performance.now() - started) / 1000);
    return result;
  }

  private async dispatchCommand(
    invocationId: string,
    inv: Invocation,
    input: Exclude<InvocationInput, { kind: 'action' }>,
    sink: ReplySink,
  ): Promise<{ command: string; result: DispatchResult }> {
    let text = input.kind === 'text' ? input.text : `/${input.command}`;
    let spec: AnyCommandSpec<P> | undefined;
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
      if (!(err instanceof ParseError || err instanceof ArgsError)) throw err;
      const name = spec?.name ?? null;
      const reply = { title: 'Invalid command', status: 'error' as const, text: err.message, ephemeral: true };
      return { command: name ?? '(invalid)', result: await this.recorder.finish(invocationId, inv, name, cut(text, 500), { status: 'invalid', reply }) };
    }

    const denied = authorize(this.config, inv, spec);
    if (denied) return { command: spec.name, result: await this.recorder.finish(invocationId, inv, spec.name, text, denied) };

    let args: unknown;
    try {
      args = validateArgs(spec, raw);
    } catch (err) {
      if (!(err instanceof ArgsError)) throw err;
      const reply = { title: `/${spec.name}: invalid arguments`, status: 'error' as const, text: err.message, ephemeral: true };
      return { command: spec.name, result: await this.recorder.finish(invocationId, inv, spec.name, text, { status: 'invalid', reply }) };
    }

    const service = serviceOf(spec, args, this.config);
    if (service !== null) inv = { ...inv, service };
    // A mutating command on a service an open incident is about counts for that incident too, and says so.
    let byService: string | null = null;
    if (!inv.incidentId && spec.mutating) {
      if (service !== null) byService = await this.attribution('service', () => this.ports.incidentAttribution.openByService(service));
      if (byService !== null) inv = { ...inv, incidentId: byService };
    }
    const ctx = commandContext(this.config, this.ports, invocationId, inv, text, sink);
    const outcome = await runSafely(this.ports, spec, () => spec.run(ctx, args));
    if (outcome.status !== 'confirm') {
      const told = byService === null ? outcome : { ...outcome, reply: withRecordedIn(outcome.reply, byService) };
      return { command: spec.name, result: await this.recorder.finish(invocationId, inv, spec.name, text, told) };
    }
    const pending = await this.confirmations.request(invocationId, inv, spec, text, outcome.plan, sink);
    return { command: spec.name, result: byService === null ? pending : { ...pending, reply: withRecordedIn(pending.reply, byService) } };
  }

  /**
   * The private prompt a typed command needs before it can run (its secret params), or null. Nothing
   * is recorded: a command that is refused (unknown, bad arguments, no access) is left to dispatch,
   * which says so and records it.
   */
  secretPrompt(inv: Invocation): SecretPrompt | null {
    if (inv.secrets !== undefined || inv.input.kind === 'action') return null;
    try {
      const input = inv.input;
      const parsed = input.kind === 'text' ? parseCommandText(input.text) : null;
      const spec = this.ports.registry.get(parsed ? parsed.command : input.kind === 'options' ? input.command : '');
      if (!spec?.secretPrompt || authorize(this.config, inv, spec)) return null;
      const raw = parsed ? rawArgsFromText(spec, parsed) : input.kind === 'options' ? input.args : {};
      const text = input.kind === 'text' ? input.text : textFromRawArgs(spec, raw);
      return spec.secretPrompt(validateArgs(spec, raw), this.config, text);
    } catch (err) {
      if (err instanceof ParseError || err instanceof ArgsError) return null;
      throw err;
    }
  }

  /** An entered incident that does not exist: nothing runs, and the refusal is recorded like any other. */
  private async noSuchIncident(inv: Invocation): Promise<DispatchResult> {
    const invocationId = randomUUID();
    const name = cut(inv.enteredIncidentId ?? '', 40);
    const text = inv.input.kind === 'text' ? cut(inv.input.text, 500) : inv.input.kind === 'action' ? `(button ${cut(inv.input.actionId, 60)})` : `/${inv.input.command}`;
    const result = await this.recorder.finish(invocationId, { ...inv, incidentId: null }, null, text, {
      status: 'invalid',
      reply: { title: 'No such incident', status: 'error', text: `There is no incident ${name}, so nothing was run. /incident list shows the open ones; leave it out to run outside an incident.`, ephemeral: true },
    });
    this.metrics.observeCommand('(invalid)', result.status, 0);
    return result;
  }

  private unknownCommandText(name: string): string {
    return `Unknown command /${cut(name, 40)}.${didYouMean(name, this.ports.registry.names(), '/')} Commands: ${this.ports.registry.names().map((n) => `/${n}`).join(', ')}.`;
  }
}
