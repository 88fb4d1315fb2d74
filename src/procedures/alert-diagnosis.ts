/**
 * One alert group's diagnosis: its route's read-only procedure run unattended with the alert's
 * labels as params (src/procedures/diagnose.ts checks them), its card — updated in place as steps
 * finish — threaded under the group's card on every platform the system speaks on, and the outcome
 * settled in the store so the card says it. Used by the worker (on arrival, src/scheduler/alert-diagnoser.ts)
 * and by /diagnose and the card's Diagnose button.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FirebreakConfig } from '../config/schema.js';
import type { AlertStore } from '../alerts/alert-store.js';
import { groupMessageKey } from '../alerts/alert-store.js';
import { alertActionIds } from '../alerts/alert-card.js';
import { DIAGNOSIS_HEARTBEAT_MS, DIAGNOSIS_STALE_MS, diagnosisMessageKey, INTERRUPTED_DIAGNOSIS_TEXT, type DiagnosisClaim, type DiagnosisStore, type InterruptedDiagnosis } from '../alerts/diagnosis.js';
import type { ChatPlatformPort, MessageRef } from '../core/chat-port.js';
import type { Actor } from '../core/identity.js';
import type { MessageRefRepository } from '../core/message-refs.js';
import type { PipelinePorts } from '../core/pipeline-ports.js';
import { renderedHash, STALE_CLAIM_MS } from '../core/posted-messages.js';
import type { Reply } from '../core/reply.js';
import { diagnosisParams } from './diagnose.js';
import type { ProceduresPorts } from './ports.js';
import { runUnattended } from './unattended-run.js';
import { cardOf } from './runner.js';

const BUSY_WAIT_MS = 5 * 60_000;
const isBusy = (reply: Reply) => /already running/i.test(`${reply.title} ${reply.text ?? ''}`);

/** Who a diagnosis on arrival runs as: on its run, its card and the timeline. */
export const DIAGNOSIS_ACTOR: Actor = { platform: 'system', id: 'diagnose', name: 'diagnosis on arrival' };

export type DiagnosisOutcome = 'ok' | 'failed' | 'skipped' | 'error';

export interface DiagnosisResult {
  outcome: DiagnosisOutcome;
  /** The report as last shown (the run's card), or why nothing ran. */
  report: Reply;
  runId: string | null;
}

/**
 * Shows `reply` as the message `key` in the thread of `parent`: posted once (claimed in the message
 * refs, so one replica posts it), edited in place after. Skips an edit that would show the same.
 */
async function showUnder(refs: MessageRefRepository, key: string, port: ChatPlatformPort, parent: MessageRef, reply: Reply): Promise<boolean> {
  const hash = renderedHash(reply);
  const stored = await refs.get(key, port.platform);
  if (stored?.ref) {
    if (stored.renderedHash === hash) return true;
    await port.updateMessage(stored.ref, reply);
    await refs.recordRendered(key, port.platform, stored.renderedHash, hash);
    return true;
  }
  const claimId = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  // Being posted by whoever claimed it, unless that replica died mid-post (the claim went stale).
  if (stored ? !(await refs.takeOverStaleClaim(key, port.platform, claimId, STALE_CLAIM_MS)) : !(await refs.claim(key, port.platform, claimId))) return false;
  let ref: MessageRef;
  try {
    ref = await port.replyInThread(parent, reply);
  } catch (err) {
    await refs.dropClaim(key, port.platform, claimId).catch(() => {});
    throw err;
  }
  await refs.recordPosted(key, port.platform, claimId, ref, hash);
  return true;
}

/**
 * The report's place: under the group's card on each platform the system speaks on. The card may
 * not be posted yet (a storm paces cards): what is shown meanwhile is kept, and `settle` waits for
 * a card to thread under.
 */
function threadShower(ports: ProceduresPorts, groupId: string, episode: number) {
  let latest: Reply | null = null;
  const shownOn = new Set<string>();
  const flush = async (): Promise<void> => {
    if (!latest) return;
    const reply = latest;
    for (const port of ports.chat.announcers()) {
      try {
        const card = await ports.messageRefs.get(groupMessageKey(groupId), port.platform);
        if (!card?.ref) continue;
        if (await showUnder(ports.messageRefs, diagnosisMessageKey(groupId, episode), port, card.ref, reply)) shownOn.add(port.platform);
      } catch (err) {
        ports.logger.error({ group: groupId, platform: port.platform, err: ports.redactor.redact(String(err)) }, `could not show the diagnosis of alert group ${groupId} in its card's thread`);
      }
    }
  };
  return {
    show: async (reply: Reply) => {
      latest = reply;
      await flush();
    },
    /** Until the last report is under at least one card, or `waitMs` passed. */
    settle: async (waitMs: number) => {
      const until = Date.now() + waitMs;
      for (;;) {
        await flush();
        if (shownOn.size > 0 || Date.now() >= until) return shownOn.size > 0;
        await sleep(500);
      }
    },
  };
}

/**
 * Shows `reply` as the report of firing `episode` of alert group `groupId`, under its card on every
 * platform the system speaks on (posted once, edited after). True when it is under at least one card.
 */
export async function showDiagnosisReport(ports: ProceduresPorts, groupId: string, episode: number, reply: Reply, waitMs = 0): Promise<boolean> {
  const thread = threadShower(ports, groupId, episode);
  await thread.show(reply);
  return thread.settle(waitMs);
}

export interface DiagnoseOptions {
  /** The claim the caller holds in the store (DiagnosisStore.decide or claimByPerson): which firing, and who. */
  claim: Omit<DiagnosisClaim, 'groupId'>;
  actor: Actor;
  /** What started it, on the run's card: "alert group 42 (HighErrorRate) fired". */
  trigger: string;
  /** How long to wait for the group's card to be posted before giving up showing the report. */
  cardWaitMs?: number;
  /** How often it says it is alive (default DIAGNOSIS_HEARTBEAT_MS; tests shorten it with the sweep's deadline). */
  heartbeatMs?: number;
}

/**
 * Runs `procedure` for alert group `groupId` (claimed by the caller in `store`), threads its report
 * under the card and settles the outcome. While it runs it says it is alive (the claim's heartbeat),
 * so a replica that dies mid-run is swept as interrupted (sweepInterruptedDiagnoses). Throws only
 * when the store does.
 */
export async function diagnoseGroup<P extends ProceduresPorts & PipelinePorts<P> & { alerts: AlertStore }>(
  config: FirebreakConfig,
  ports: P,
  store: DiagnosisStore,
  groupId: string,
  procedure: string,
  opts: DiagnoseOptions,
): Promise<DiagnosisResult> {
  const claim: DiagnosisClaim = { groupId, ...opts.claim };
  let runId: string | null = null;
  const beat = () =>
    store.heartbeat(claim, runId).catch((err: unknown) => ports.logger.warn({ group: groupId, err: ports.redactor.redact(String(err)) }, `the diagnosis of alert group ${groupId} could not say it is alive; trying again`));
  const heart = setInterval(() => void beat(), opts.heartbeatMs ?? DIAGNOSIS_HEARTBEAT_MS);
  heart.unref();
  try {
    return await diagnose(config, ports, store, claim, procedure, opts, (id) => {
      runId = id;
      void beat();
    });
  } finally {
    clearInterval(heart);
  }
}

async function diagnose<P extends ProceduresPorts & PipelinePorts<P> & { alerts: AlertStore }>(
  config: FirebreakConfig,
  ports: P,
  store: DiagnosisStore,
  claim: DiagnosisClaim,
  procedure: string,
  opts: DiagnoseOptions,
  stored: (runId: string) => void,
): Promise<DiagnosisResult> {
  const { groupId } = claim;
  const platforms = ports.chat.all().map((p) => p.platform);
  const group = await ports.alerts.get(groupId);
  const p = Object.hasOwn(config.procedures, procedure) ? config.procedures[procedure] : undefined;
  const thread = threadShower(ports, groupId, claim.episode);
  const notRun = async (why: string): Promise<DiagnosisResult> => {
    await store.settle(claim, procedure, 'skipped', why, null, platforms);
    const report: Reply = { title: `Diagnosis ${procedure} did not run`, status: 'error', text: why, context: opts.trigger };
    await thread.show(report);
    await thread.settle(opts.cardWaitMs ?? 120_000);
    return { outcome: 'skipped', report, runId: null };
  };
  if (!group || !p) return notRun(!group ? `alert group ${groupId} is gone` : `there is no procedure "${procedure}" in the config`);
  const first = (await ports.alerts.alerts(groupId, 1))[0];
  const params = diagnosisParams(p, { ...(first?.labels ?? {}), ...group.commonLabels });
  if (!params.ok) return notRun(params.why);
  const channel = { platform: 'system', id: 'system', name: group.channel };
  /**
   * The run's steps are recorded under its own invocation (one entry in a post-mortem's "What we
   * ran"), with the group's incident if it had one. An incident declared from the group later finds
   * them through this row on the group's own invocation (draftEvents follows detail.invocation).
   */
  const linked = async (runId: string, invocationId: string) => {
    stored(runId);
    await ports.timeline
      .recordOrKeep({
        invocationId: `alert-group:${groupId}`,
        incidentId: group.incidentId,
        kind: 'alert.diagnosis',
        actor: opts.actor,
        channel,
        command: 'diagnose',
        text: `diagnosis ${procedure} of alert group ${groupId} started (${opts.trigger})`,
        detail: { group: groupId, episode: claim.episode, procedure, run: runId, invocation: invocationId },
      })
      .catch((err: unknown) => ports.logger.error({ group: groupId, err: ports.redactor.redact(String(err)) }, `could not link the diagnosis of alert group ${groupId} to its timeline`));
  };
  const req = { procedure, actor: opts.actor, trigger: opts.trigger, channel, incidentId: group.incidentId, params: params.params, show: thread.show, stored: linked };
  let r = await runUnattended(config, ports, req);
  // Its steps' leases are held by another diagnosis of the same procedure (a read-only action still
  // takes its lease): it waits its turn, up to BUSY_WAIT_MS, rather than being reported as not run.
  for (const until = Date.now() + BUSY_WAIT_MS; r.kind === 'refused' && isBusy(r.reply) && Date.now() < until; ) {
    await sleep(1_000);
    r = await runUnattended(config, ports, req);
  }
  if (r.kind !== 'ran') return notRun(r.kind === 'refused' ? (r.reply.text ?? r.reply.title) : `its ${r.step.label} is not read-only`);
  await store.settle(claim, procedure, r.ok ? 'done' : 'failed', null, r.run.id, platforms);
  await thread.settle(opts.cardWaitMs ?? 120_000);
  return { outcome: r.ok ? 'ok' : 'failed', report: r.report, runId: r.run.id };
}

const utcTime = (d: Date) => `${d.toISOString().slice(11, 19)} UTC`;

/**
 * The thread report of a diagnosis whose replica stopped mid-run: what it found as far as its run got
 * (the run's card, when it had started one), that it was interrupted, and a Diagnose button — it is
 * never run again without someone pressing it.
 */
export async function interruptedReport(config: FirebreakConfig, ports: ProceduresPorts, d: InterruptedDiagnosis): Promise<Reply> {
  const run = d.runId ? await ports.procedureRuns.get(d.runId) : null;
  const card = run ? cardOf(config, ports, run) : null;
  const said = `Diagnosis ${d.procedure} ${INTERRUPTED_DIAGNOSIS_TEXT} (no word from it since ${utcTime(d.lastHeartbeat)}), so what it would have found is unknown. It was not run again: press Diagnose to run it now.`;
  return {
    title: `Diagnosis ${d.procedure} interrupted`,
    status: 'error',
    text: card?.text ? `${said}\n${card.text}` : said,
    ...(card?.fields ? { fields: card.fields } : {}),
    context: `alert group ${d.groupId}${run ? ` · run ${run.id}` : ''}`,
    buttons: [{ actionId: alertActionIds.diagnose(d.groupId), label: 'Diagnose' }],
  };
}

/**
 * One pass of the sweep every replica runs: diagnoses whose replica stopped saying it was alive for
 * `staleMs` are marked interrupted (each by one replica; their cards say so and offer Diagnose), then
 * each interrupted diagnosis whose thread report does not say so yet gets it — the report edited in
 * place, or posted under the card if its replica died before posting one. Returns the groups marked
 * and the reports shown.
 */
export async function sweepInterruptedDiagnoses(
  config: FirebreakConfig,
  ports: ProceduresPorts,
  store: DiagnosisStore,
  staleMs = DIAGNOSIS_STALE_MS,
): Promise<{ marked: InterruptedDiagnosis[]; shown: number }> {
  const marked = await store.interruptStale(staleMs, ports.chat.all().map((p) => p.platform));
  for (const d of marked) {
    ports.logger.warn({ group: d.groupId, procedure: d.procedure, run: d.runId }, `the diagnosis ${d.procedure} of alert group ${d.groupId} was running on a replica that stopped (no heartbeat since ${d.lastHeartbeat.toISOString()}): marked interrupted, not run again; its card offers Diagnose`);
  }
  let shown = 0;
  for (const d of await store.reportsOwed(100)) {
    // Not under any card yet (a storm paces cards): the next sweep tries again.
    if (!(await showDiagnosisReport(ports, d.groupId, d.episode, await interruptedReport(config, ports, d)))) continue;
    await store.reportShown(d.groupId, d.episode);
    shown++;
  }
  return { marked, shown };
}
