/**
 * Post-mortem draft benchmark (not a test): an incident with 50,000 timeline events — confirmed
 * rollbacks with progress and output, failed and denied commands, notes, 📌 messages with text
 * that needs escaping, alerts — rendered to Markdown and to Jira ADF. Reports the time per render
 * (first, best and median of several, and the CPU time), the heap it allocated and the process's
 * peak RSS, and exits 1 when the best Markdown render is over the 0.5 s budget.
 *
 * Memory is shown for half the events too: the draft grows with the incident (linearly), never with
 * its square, and each excerpt is cut to a bounded size however much a row holds.
 *
 * Env: BENCH_EVENTS (default 50000), BENCH_RUNS (default 5). Run with `npm run bench`
 * (BENCH_ONLY=postmortem runs only this one; bench/run.ts gives it --expose-gc for steadier heap numbers).
 */
import type { AlertGroup } from '../src/alerts/model.js';
import type { Actor, ChannelRef } from '../src/core/identity.js';
import type { TimelineEvent } from '../src/core/timeline.js';
import type { Incident } from '../src/incidents/model.js';
import { buildDraftAdf } from '../src/postmortems/draft-adf.js';
import type { DraftInput } from '../src/postmortems/draft-input.js';
import { buildDraft } from '../src/postmortems/draft-markdown.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 50_000);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
const BUDGET_MS = 500;
const MB = 1024 * 1024;

const people: Actor[] = ['alice', 'bob', 'carol', 'dave', 'erin'].map((n, i) => ({ platform: 'slack', id: `U0${i}`, name: n }));
const channel: ChannelRef = { platform: 'slack', id: 'C0INC', name: 'inc-20261125-checkout-5xx' };
const system: Actor = { platform: 'system', id: 'alertmanager', name: 'alertmanager' };
const start = Date.parse('2026-11-25T10:00:00Z');

/** A tool's output: 40 lines, some with backticks and pipes, ~2.4 kB (more than an excerpt keeps). */
const OUTPUT = Array.from({ length: 40 }, (_, i) => `line ${i}: deployment.apps/api | pod api-7f9c-${i} \`Running\` <ok> & ready`).join('\n');

function makeInput(n: number): DraftInput {
  const events: TimelineEvent[] = [];
  let id = 0;
  const push = (e: Partial<TimelineEvent> & Pick<TimelineEvent, 'kind' | 'invocationId' | 'actor'>) => {
    id++;
    events.push({
      id,
      at: new Date(start + id * 1000),
      incidentId: 'INC-1',
      service: null,
      channel,
      command: null,
      text: null,
      argv: null,
      exitCode: null,
      outcome: null,
      output: null,
      durationMs: null,
      detail: {},
      ...e,
    });
  };
  for (let i = 0; events.length < n; i++) {
    const who = people[i % people.length]!;
    const other = people[(i + 1) % people.length]!;
    const inv = `inv-${i}`;
    const argv = ['kubectl', '--context', 'prod', '-n', 'shop', 'rollout', 'undo', 'deployment/api', `--to-revision=${i}`];
    switch (i % 6) {
      case 0: {
        const plan = `Roll back api from revision ${i + 1} to ${i}?`;
        push({ kind: 'confirmation.requested', invocationId: inv, actor: who, command: 'rollback', text: '/rollback api', argv, outcome: 'pending', output: plan, detail: { confirmation: `c${i}`, plan } });
        push({ kind: 'confirmation.confirmed', invocationId: inv, actor: other, command: 'rollback', text: plan, argv, detail: { confirmation: `c${i}`, requestedBy: who.name } });
        push({ kind: 'action.started', invocationId: inv, actor: other, command: 'rollback', text: plan, argv });
        for (let p = 0; p < 3; p++) push({ kind: 'action.progress', invocationId: inv, actor: other, command: 'rollback', output: `Waiting for deployment "api" rollout to finish: ${p} of 3 updated replicas are available...` });
        push({ kind: 'action.finished', invocationId: inv, actor: other, command: 'rollback', text: plan, argv, exitCode: 0, outcome: 'ok', output: OUTPUT, durationMs: 4213, detail: { confirmation: `c${i}`, confirmedBy: other.name, title: `Rolled back api to revision ${i}` } });
        break;
      }
      case 1:
        push({ kind: 'command', invocationId: inv, actor: who, command: 'run', text: '/run purge-cdn', argv: ['curl', '-fsS', '-H', 'Authorization: Bearer ***', 'https://cdn.example.com/purge'], exitCode: 22, outcome: 'failed', output: OUTPUT, durationMs: 1310, detail: { title: 'purge-cdn failed' } });
        break;
      case 2:
        push({ kind: 'command.denied', invocationId: inv, actor: who, command: 'scale', text: '/scale api 40', outcome: 'denied', output: '/scale needs the "responders" role, which mallory does not have. Nothing was run.', durationMs: 3, detail: { title: 'Not allowed: /scale' } });
        break;
      case 3:
        push({ kind: 'note', invocationId: inv, actor: who, text: `Note ${i}: error rate ${i % 100}% on /checkout | see \`kubectl logs\` <b>OOMKilled</b> cc @oncall-team`.repeat(2) });
        break;
      case 4:
        push({ kind: 'message.marked', invocationId: inv, actor: who, text: `# pinned ${i}: *payments* provider says [all good](https://status.example.com) & nothing changed`, detail: { author: { platform: 'slack', id: 'U09', name: 'frank' } } });
        break;
      default:
        push({ kind: 'alert.received', invocationId: 'alert-group:g1', actor: system, text: `HighErrorRate (api): ${i % 7} firing, 0 resolved — alertmanager`, outcome: 'firing', detail: { group: 'g1' } });
    }
  }
  events.length = n;
  const incident: Incident = {
    id: 'INC-1',
    title: 'checkout 5xx',
    severity: 'sev1',
    status: 'resolved',
    roles: { lead: people[0]!, comms: people[1]!, scribe: null },
    declaredBy: people[0]!,
    declaredAt: new Date(start + 500),
    source: 'bench',
    channel: { ...channel, own: true },
    alertGroups: ['g1'],
    service: 'api',
    resolvedAt: new Date(start + (n + 1) * 1000),
    version: 1,
  };
  const alert: AlertGroup = {
    id: 'g1',
    groupKey: 'g1',
    source: 'alertmanager',
    status: 'resolved',
    alertname: 'HighErrorRate',
    service: 'api',
    severity: 'critical',
    channel: 'alerts',
    route: null,
    commonLabels: {},
    commonAnnotations: {},
    firstFiredAt: new Date(start - 60_000),
    lastChangeAt: new Date(start),
    resolvedAt: new Date(start + n * 1000),
    acknowledged: null,
    silence: null,
    escalated: [],
    incidentId: 'INC-1',
    version: 1,
    firingCount: 0,
    resolvedCount: 3,
  };
  const actionItems = Array.from({ length: 20 }, (_, i) => ({ id: String(i), incidentId: 'INC-1', text: `Follow-up ${i} | owner @team`, by: people[i % 5]!, at: new Date(start), done: i % 3 === 0 }));
  return { incident, events, alerts: [alert], actionItems, now: new Date(start + (n + 2) * 1000) };
}

const gc = (globalThis as { gc?: () => void }).gc;

function measure(label: string, input: DraftInput, render: () => number): { bestMs: number; medianMs: number } {
  const times: number[] = [];
  const cpu: number[] = [];
  let size = 0;
  let allocated = 0;
  for (let r = 0; r < RUNS; r++) {
    gc?.();
    const before = process.memoryUsage().heapUsed;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    size = render();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    // Without a gc in between, the heap growth is what the render allocated (and still holds).
    allocated = Math.max(allocated, process.memoryUsage().heapUsed - before);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const medianMs = sorted[Math.floor(sorted.length / 2)]!;
  const bestMs = sorted[0]!;
  const cpuMs = [...cpu].sort((a, b) => a - b)[Math.floor(cpu.length / 2)]!;
  console.log(
    `${label.padEnd(24)} ${String(input.events.length).padStart(6)} events  first ${times[0]!.toFixed(0).padStart(4)} ms  best ${bestMs.toFixed(0).padStart(4)} ms  median ${medianMs.toFixed(0).padStart(4)} ms (cpu ${cpuMs.toFixed(0)} ms)  output ${(size / MB).toFixed(1)} MB  heap +${(allocated / MB).toFixed(0)} MB`,
  );
  return { bestMs, medianMs };
}

function main(): void {
  console.log(`Post-mortem draft (${RUNS} runs each${gc ? ', gc between runs' : ', no --expose-gc: heap figures include garbage'})`);
  let over = false;
  for (const n of [Math.round(EVENTS / 2), EVENTS]) {
    const input = makeInput(n);
    const md = measure('Markdown (buildDraft)', input, () => buildDraft(input).length);
    measure('Jira ADF (buildDraftAdf)', input, () => JSON.stringify(buildDraftAdf(input)).length);
    // The best of several runs: on a shared machine the others measure the neighbours too.
    if (n === EVENTS && md.bestMs > BUDGET_MS) over = true;
  }
  const peakRss = process.resourceUsage().maxRSS * 1024;
  console.log(`peak RSS of this process (inputs included): ${(peakRss / MB).toFixed(0)} MB`);
  console.log(over ? `FAIL: the Markdown draft of ${EVENTS} events took more than ${BUDGET_MS} ms` : `ok: ${EVENTS} events render in under ${BUDGET_MS} ms`);
  if (over) process.exitCode = 1;
}

main();
