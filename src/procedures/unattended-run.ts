import { randomUUID } from 'node:crypto';
import type { FirebreakConfig } from '../config/schema.js';
import { alreadyRunning } from '../core/authorize.js';
import type { Actor, ChannelRef } from '../core/identity.js';
import type { PipelinePorts } from '../core/pipeline-ports.js';
import { showMessage } from '../core/posted-messages.js';
import type { Reply } from '../core/reply.js';
import { isFinished, type ProcedureRun } from './model.js';
import { parseParams } from '../core/action-params.js';
import { procedureOwner } from './params.js';
import { planRun } from './plan.js';
import type { ProceduresPorts } from './ports.js';
import { firstNotReadOnlyStep, type NotReadOnlyStep } from './read-only.js';
import { holdRunLeases, releaseRunLeases } from './run-leases.js';
import { advance, cardOf, runOutcome } from './runner.js';

/** A run nobody typed: what started it, and where its card goes. */
export interface UnattendedRequest {
  procedure: string;
  /** Who the system acts as: the schedule, an alert. Recorded on the timeline and the run. */
  actor: Actor;
  /** What started it, shown on the card: "schedule 0 3 * * *, slot 2026-12-07T03:00:00.000Z". */
  trigger: string;
  /** Where it counts for the timeline and the channel rules; default: the incidents channel, as the system. */
  channel?: ChannelRef;
  incidentId?: string | null;
  /** Param values (an alert's labels for a diagnosis), checked like typed ones; the rest take their defaults. */
  params?: Readonly<Record<string, string>>;
  /** Shows the run's card: at each change while it runs, then the final report. Must not throw. */
  show(reply: Reply): Promise<void>;
  /**
   * Told the run's id and invocation id once it is stored, before its first step (a diagnosis keeps
   * the id with its claim and links the invocation to its alert group). Awaited; must not throw.
   */
  stored?(runId: string, invocationId: string): void | Promise<void>;
}

export type UnattendedResult =
  /** It ran to its end or its first failure (on_failure ran); `report` is the card last shown. */
  | { kind: 'ran'; run: ProcedureRun; ok: boolean; report: Reply }
  /** It has a step that changes things or needs a person: nothing ran. */
  | { kind: 'not-read-only'; step: NotReadOnlyStep & { label: string } }
  /** Unknown, a param without a default, a step that no longer plans, or busy: nothing ran. */
  | { kind: 'refused'; reply: Reply };

/** The channel the system speaks in when nobody typed anything: the incidents channel. */
export function systemChannel(config: FirebreakConfig): ChannelRef {
  return { platform: 'system', id: 'system', name: config.chat.incidents_channel };
}

/**
 * Runs a read-only procedure with nobody watching (a schedule; an alert's diagnosis): checked to be
 * read-only first (firstNotReadOnlyStep), planned with its params' defaults, then its steps run
 * through the same runner as a person's run, the card shown through `show`. A failed run keeps its
 * card's Retry / Skip / Abort for a person, but holds no lease meanwhile. Throws only when the store
 * does (the run's leases are freed first).
 */
export async function runUnattended<P extends ProceduresPorts & PipelinePorts<P>>(config: FirebreakConfig, ports: P, req: UnattendedRequest): Promise<UnattendedResult> {
  const name = req.procedure;
  const p = Object.hasOwn(config.procedures, name) ? config.procedures[name] : undefined;
  if (!p) return { kind: 'refused', reply: { title: `Procedure ${name} is not configured`, status: 'error', text: `There is no procedure "${name}" in the config. Nothing was run.` } };
  const step = firstNotReadOnlyStep(config, p, ports.registry);
  if (step) return { kind: 'not-read-only', step };
  const checked = parseParams(procedureOwner(name, p), Object.entries(req.params ?? {}).map(([k, v]) => `${k}=${v}`), { oneWord: true });
  if (!checked.ok) return { kind: 'refused', reply: { title: `Procedure ${name} was not run`, status: 'error', text: checked.message } };
  const who = { actor: req.actor, channel: req.channel ?? systemChannel(config), invocationId: randomUUID(), incidentId: req.incidentId ?? null };
  const planned = await planRun(config, ports, name, p, checked.values, who, { bySystem: true });
  if (!('run' in planned)) return { kind: 'refused', reply: 'reply' in planned ? { ...planned.reply, ephemeral: undefined } : { title: `Procedure ${name} was not run`, status: 'error' } };
  const run: ProcedureRun = { ...planned.run, status: 'running', confirmedBy: req.actor, unattended: { trigger: req.trigger } };
  // Held before the run is stored as running: the sweep takes a running run nobody holds for a dead one.
  const held = await holdRunLeases(ports.leases, run);
  if (!held.held) return { kind: 'refused', reply: { ...alreadyRunning(held.heldBy, null).reply, ephemeral: undefined } };
  let end: ProcedureRun;
  try {
    await ports.procedureRuns.create(run);
    await req.stored?.(run.id, run.invocationId);
    end = await advance({ config, ports, sink: { progress: (r) => req.show(r) } }, run);
  } catch (err) {
    await releaseRunLeases(ports.leases, run, ports.logger).catch(() => {});
    throw err;
  }
  // Nobody is there to press Retry soon: the services are not kept from people meanwhile.
  if (!isFinished(end)) await releaseRunLeases(ports.leases, end, ports.logger);
  const report = cardOf(config, ports, end);
  await req.show(report);
  return { kind: 'ran', run: end, ok: runOutcome(config, ports, end).status === 'ok', report };
}

/**
 * A `show` for unattended work: the message keyed `key` in the incidents channel of every platform
 * the system speaks on (Slack, Discord, else the console), posted the first time and edited in place
 * after, by whichever replica shows it. Never throws: what cannot be shown is logged with its title.
 */
export function showInIncidentsChannel(config: FirebreakConfig, ports: ProceduresPorts, key: string): (reply: Reply) => Promise<void> {
  const channel = config.chat.incidents_channel;
  return async (reply) => {
    const announcers = ports.chat.announcers();
    if (announcers.length === 0) ports.logger.error({ key, channel }, `no chat platform to show "${reply.title}" in #${channel}`);
    for (const port of announcers) {
      await showMessage(ports.messageRefs, key, port, { name: channel }, reply).catch((err: unknown) =>
        ports.logger.error({ key, platform: port.platform, err: ports.redactor.redact(String(err)) }, `could not show "${reply.title}" in #${channel}`),
      );
    }
  };
}
