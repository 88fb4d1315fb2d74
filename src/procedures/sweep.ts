import type { FirebreakConfig } from '../config/schema.js';
import type { ChannelTarget, ChatPlatformPort } from '../core/chat-port.js';
import { showMessage } from '../core/posted-messages.js';
import type { ProcedureRun } from './model.js';
import type { ProceduresPorts } from './ports.js';
import { runKey } from './run-leases.js';
import { cardOf } from './runner.js';

const INTERRUPTED_TEXT = 'interrupted — outcome unknown: its Firebreak process stopped while it ran';

/**
 * A run saved as running whose run lease nobody holds (it is renewed every 10 s while a process runs
 * its steps, and expires 30 s after that process died) was running on a process that is gone. Its
 * step's outcome is unknown: the run is marked interrupted — never re-run — and a card with Retry
 * step / Skip step / Abort is to be posted (`repostCard`), since the card the run showed lives in a
 * message only the dead process knew. Each run is marked by one replica (the save is against the
 * version read). Returns the runs marked.
 */
export async function markInterruptedRuns(ports: Pick<ProceduresPorts, 'procedureRuns' | 'leases' | 'logger'>): Promise<ProcedureRun[]> {
  const marked: ProcedureRun[] = [];
  for (const run of await ports.procedureRuns.withStatus(['running'])) {
    if (await ports.leases.current(runKey(run.id))) continue;
    const steps = run.steps.map((s, i) => (i === run.current && s.state === 'running' ? { ...s, state: 'interrupted' as const, excerpt: INTERRUPTED_TEXT } : s));
    // A process that died while its on_failure steps ran: those are as unknown as any step.
    const onFailure = run.onFailure.map((s) => (s.state === 'running' ? { ...s, state: 'interrupted' as const, excerpt: INTERRUPTED_TEXT } : s));
    const saved = await ports.procedureRuns.save({ ...run, status: 'interrupted', steps, onFailure, repostCard: `procedure-run:${run.id}:interrupted:${run.version}` });
    if (saved) {
      marked.push(saved);
      ports.logger.warn({ run: run.id, procedure: run.procedure }, `procedure ${run.procedure} (run ${run.id}) was running on a process that stopped: marked interrupted, its card asks Retry / Skip / Abort`);
    }
  }
  return marked;
}

/**
 * Posts the card of each interrupted run that still owes one (`repostCard`): in the run's own
 * channel when this process has its platform, else in the incidents channel of every platform the
 * system speaks on (an unattended run has no channel of its own). The message ref under
 * `repostCard` makes it one message across replicas; the mark is cleared once it is shown, so a
 * replica that died between marking and posting leaves it to the next pass. Never throws.
 */
export async function repostInterruptedCards(config: FirebreakConfig, ports: ProceduresPorts): Promise<number> {
  let posted = 0;
  for (const run of await ports.procedureRuns.withStatus(['interrupted'])) {
    const key = run.repostCard;
    if (!key) continue;
    const render = async () => {
      const now = await ports.procedureRuns.get(run.id);
      return cardOf(config, ports, now ?? run);
    };
    let shown = true;
    for (const [port, channel] of placesOf(config, ports, run)) {
      try {
        const r = await showMessage(ports.messageRefs, key, port, channel, render);
        if (r.outcome === 'busy') shown = false;
      } catch (err) {
        shown = false;
        ports.logger.error(
          { run: run.id, platform: port.platform, err: ports.redactor.redact(String(err)) },
          `could not post the card of interrupted procedure run ${run.id} (${run.procedure}); the next sweep tries again`,
        );
      }
    }
    if (!shown) continue;
    posted++;
    // Lost to a press meanwhile (the run moved on): that press redrew the card it was on.
    await ports.procedureRuns.save({ ...run, repostCard: undefined });
  }
  return posted;
}

function placesOf(config: FirebreakConfig, ports: ProceduresPorts, run: ProcedureRun): [ChatPlatformPort, ChannelTarget][] {
  const own = ports.chat.get(run.channel.platform);
  if (own) return [[own, { id: run.channel.id }]];
  return ports.chat.announcers().map((p) => [p, { name: config.chat.incidents_channel }]);
}

/** One pass of the sweep every replica runs: mark runs whose process is gone, then post their cards. */
export async function sweepRuns(config: FirebreakConfig, ports: ProceduresPorts): Promise<{ marked: ProcedureRun[]; posted: number }> {
  const marked = await markInterruptedRuns(ports);
  const posted = await repostInterruptedCards(config, ports);
  return { marked, posted };
}
