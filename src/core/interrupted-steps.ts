import type { ChannelTarget, ChatPlatformPort } from './chat-port.js';
import type { CorePorts } from './services.js';
import type { Confirmation } from './ports.js';
import { showMessage } from './posted-messages.js';
import type { Reply } from './reply.js';

/** How often every replica looks for confirmed steps whose process is gone (the step lease expires 60 s after it died). */
export const INTERRUPTED_STEP_SWEEP_MS = 15_000;

type SweepPorts = Pick<CorePorts, 'confirmations' | 'leases' | 'transactor' | 'chat' | 'messageRefs' | 'logger' | 'redactor'>;

/** The service a step's lease names ("service:api" → "api"), for pointing the person at /status. */
function serviceOf(c: Confirmation): string | null {
  return c.plan.lease.startsWith('service:') ? c.plan.lease.slice('service:'.length) : null;
}

export function interruptedByCrashText(c: Confirmation): string {
  const service = serviceOf(c);
  const check = service ? `check \`/status ${service}\`` : 'check its target';
  return `/${c.command}: "${c.plan.title}" was interrupted: the Firebreak replica running it stopped before it finished, so its outcome is unknown. It was not run again; ${check} before running it again.`;
}

function noteOf(c: Confirmation): Reply {
  return {
    title: `Interrupted: ${c.plan.title}`,
    status: 'error',
    text: interruptedByCrashText(c),
    context: [`Requested by ${c.requestedBy.name}`, c.decidedBy ? `confirmed by ${c.decidedBy.name}` : null].filter(Boolean).join(' · '),
  };
}

/**
 * Confirmed steps whose process is gone: decided (and `action.started` recorded) but never marked
 * finished, and whose lease that process no longer holds. A live runner holds the step's lease from
 * before the decision until after it marks the step finished, so a step in that state was cut off
 * by a process that died (SIGKILL, OOM, a lost node). A `/run` of a `confirm: false` action is among
 * them: it has no card, but its start is written as a confirmation confirmed already
 * (`createStarted`), so it is found the same way. Each is recorded once across replicas as an
 * `action.finished` with outcome 'interrupted' (never a mitigation) and its note owed; nothing is
 * re-run. Returns the steps this call marked.
 */
export async function markInterruptedSteps(ports: SweepPorts): Promise<Confirmation[]> {
  const marked: Confirmation[] = [];
  for (const c of await ports.confirmations.unfinished()) {
    const held = await ports.leases.current(c.plan.lease);
    if (held?.id === c.id) continue;
    const text = interruptedByCrashText(c);
    const m = await ports.transactor.atomically(async (tx) => {
      const got = await tx.confirmations.markInterrupted(c.id);
      if (!got) return null;
      await tx.timeline.record({
        invocationId: c.invocationId,
        incidentId: c.incidentId ?? null,
        channel: c.channel,
        command: c.command,
        kind: 'action.finished',
        actor: c.decidedBy ?? c.requestedBy,
        text: c.plan.title,
        argv: c.plan.argv ?? null,
        outcome: 'interrupted',
        output: text,
        detail: { confirmation: c.id, confirmedBy: c.decidedBy?.name ?? null, title: `Interrupted: ${c.plan.title}`, interrupted: 'process-gone' },
      });
      return got;
    });
    if (!m) continue;
    marked.push(m);
    ports.logger.warn({ confirmation: c.id, command: c.command }, `"${c.plan.title}" was running on a Firebreak process that stopped: recorded as interrupted (outcome unknown), not re-run`);
  }
  return marked;
}

/**
 * Posts the note of each step marked interrupted that still owes one, in the channel it was
 * requested in (the incidents channel of every announcer when this process lacks that platform).
 * The stored message ref under one key per step makes it one message across replicas; the mark is
 * cleared once shown, so a replica that died in between leaves it to the next pass. Never throws.
 */
export async function postInterruptedNotes(incidentsChannel: string, ports: SweepPorts): Promise<number> {
  let posted = 0;
  for (const c of await ports.confirmations.notesOwed()) {
    let shown = true;
    for (const [port, channel] of placesOf(incidentsChannel, ports, c)) {
      try {
        const r = await showMessage(ports.messageRefs, `step-interrupted:${c.id}`, port, channel, noteOf(c));
        if (r.outcome === 'busy') shown = false;
      } catch (err) {
        shown = false;
        ports.logger.error({ confirmation: c.id, platform: port.platform, err: ports.redactor.redact(String(err)) }, `could not post that "${c.plan.title}" was interrupted; the next sweep tries again`);
      }
    }
    if (!shown) continue;
    await ports.confirmations.noteShown(c.id);
    posted++;
  }
  return posted;
}

function placesOf(incidentsChannel: string, ports: SweepPorts, c: Confirmation): [ChatPlatformPort, ChannelTarget][] {
  const own = ports.chat.get(c.channel.platform);
  if (own) return [[own, { id: c.channel.id }]];
  return ports.chat.announcers().map((p) => [p, { name: incidentsChannel }]);
}

/** One pass of the sweep every replica runs: mark the steps whose process is gone, then post their notes. */
export async function sweepInterruptedSteps(incidentsChannel: string, ports: SweepPorts): Promise<{ marked: Confirmation[]; posted: number }> {
  const marked = await markInterruptedSteps(ports);
  const posted = await postInterruptedNotes(incidentsChannel, ports);
  return { marked, posted };
}
