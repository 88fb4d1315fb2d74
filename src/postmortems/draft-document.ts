import { formatArgv } from '../core/argv-display.js';
import { duration, oneLine } from '../core/text-format.js';
import type { TimelineEvent } from '../core/timeline.js';
import type { AlertGroup } from '../alerts/model.js';
import type { Incident } from '../incidents/model.js';
import type { DraftInput } from './draft-input.js';
import { outputExcerpt, utc } from './draft-format.js';
import { detailName, detailString, severityChange, statusTo } from './event-detail.js';
import { keyTimes, type KeyTime } from './key-times.js';
import { collectRuns, isIncidentBookkeeping, type Run } from './what-we-ran.js';

/**
 * The draft as a small neutral document, rendered to Markdown (draft-markdown.ts) and to Jira's
 * ADF (draft-adf.ts), so both say the same. Every string in it is text to show as is: renderers
 * escape it for their format. Nothing here masks secrets: the timeline did that when it recorded.
 */
export type Inline =
  | string
  | { strong: string }
  /** A link Firebreak made (the draft's own URL); never a URL from chat or a tool. */
  | { link: string; text: string };

export type Block =
  | { type: 'heading'; level: 1 | 2 | 3; text: string }
  | { type: 'paragraph'; content: Inline[] }
  | { type: 'bullets'; items: Inline[][] }
  | { type: 'tasks'; items: { id: string; text: string; done: boolean }[] }
  | { type: 'table'; header: string[]; rows: string[][] }
  | { type: 'code'; text: string }
  /** A section for people to write: a hint where the format can hide one, else nothing. */
  | { type: 'prompt'; hint: string };

export interface DraftDocument {
  /** For a ticket's title: "Post-mortem: INC-42 checkout 5xx". */
  title: string;
  blocks: Block[];
}

/** Per-cell and per-line limits: a row is one line, a table cell a sentence or two. */
const CELL = 300;
const HEADING = 120;
const REPLY = 500;

const NONE = '—';

export function draftTitle(incident: Incident): string {
  return oneLine(`Post-mortem: ${incident.id} ${incident.title}`, 250);
}

const at = (d: Date | null): string => (d ? utc(d) : NONE);
const sev = (s: string): string => s.toUpperCase();
const OUTCOME_WORDS: Record<string, string> = { pending: 'not confirmed', ok: 'ok' };

/** A command's argv as typed, or an HTTP action's request line ("POST https://…"). */
function commandLine(argv: readonly string[]): { label: string; text: string } {
  if (argv.length === 2 && /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/.test(argv[0]!) && /^https?:\/\//i.test(argv[1]!)) {
    return { label: 'HTTP request', text: `${argv[0]} ${argv[1]}` };
  }
  return { label: 'Command', text: formatArgv(argv) };
}

function severityChanges(events: readonly TimelineEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (e.kind !== 'incident.severity') continue;
    const c = severityChange(e);
    const what = c.to ? `${c.from ? `${sev(c.from)} → ` : '→ '}${sev(c.to)}` : oneLine(e.text ?? 'changed', 80);
    out.push(`${what} at ${utc(e.at)} by ${e.actor.name}`);
  }
  return out;
}

function summary(input: DraftInput, kt: ReturnType<typeof keyTimes>): Block[] {
  const { incident, events, now } = input;
  const r = incident.roles;
  const changes = severityChanges(events);
  const resolvedBy = kt.resolved.at ? ` — ${kt.resolved.source}` : '';
  const span =
    kt.started.at && kt.resolved.at
      ? `${duration(Math.max(0, kt.resolved.at.getTime() - kt.started.at.getTime()), 'span')} (started → resolved)`
      : kt.started.at
        ? `ongoing: ${duration(Math.max(0, now.getTime() - kt.started.at.getTime()), 'span')} so far`
        : NONE;
  const channel = incident.channel ? `#${incident.channel.name} (${incident.channel.platform}${incident.channel.own ? '' : ', the incidents channel: its own could not be created'})` : NONE;
  const item = (label: string, value: string): Inline[] => [{ strong: `${label}:` }, ` ${value}`];
  return [
    { type: 'heading', level: 2, text: 'Summary' },
    {
      type: 'bullets',
      items: [
        item('Incident', `${incident.id} — ${oneLine(incident.title, 200)}`),
        item('Severity', `${sev(incident.severity)}${changes.length > 0 ? ` (changes: ${changes.join('; ')})` : ''}`),
        item('Status', incident.status),
        item('Lead', r.lead?.name ?? NONE),
        item('Roles', `comms ${r.comms?.name ?? NONE}, scribe ${r.scribe?.name ?? NONE}`),
        item('Service', incident.service ?? NONE),
        item('Channel', channel),
        item('Declared', `${utc(incident.declaredAt)} UTC by ${incident.declaredBy.name}`),
        item('Started', `${at(kt.started.at)} UTC — ${kt.started.source}`),
        item('Resolved', kt.resolved.at ? `${utc(kt.resolved.at)} UTC${resolvedBy}` : 'not yet'),
        item('Duration', span),
      ],
    },
  ];
}

function keyTimesSection(kt: ReturnType<typeof keyTimes>): Block[] {
  const row = (name: string, t: KeyTime): string[] => [name, at(t.at), t.source];
  const span = (ms: number | null): string => (ms === null ? NONE : duration(ms, 'span'));
  return [
    { type: 'heading', level: 2, text: 'Key times' },
    {
      type: 'table',
      header: ['', 'time (UTC)', 'source'],
      rows: [row('Started', kt.started), row('Detected', kt.detected), row('Acknowledged', kt.acknowledged), row('Mitigated', kt.mitigated), row('Resolved', kt.resolved)],
    },
    {
      type: 'bullets',
      items: [
        [{ strong: 'TTA' }, ` (time to acknowledge, detected → acknowledged): ${span(kt.ttaMs)}`],
        [{ strong: 'TTM' }, ` (time to mitigate, started → mitigated): ${span(kt.ttmMs)}`],
        [{ strong: 'TTR' }, ` (time to resolve, started → resolved): ${span(kt.ttrMs)}`],
      ],
    },
  ];
}

function resultWords(run: Run): string {
  if (run.cancelled) return `cancelled by ${run.cancelled.by}`;
  return OUTCOME_WORDS[run.outcome] ?? run.outcome;
}

function runDetail(run: Run): Block[] {
  const facts = [`Requested by ${run.requestedBy} at ${utc(run.at)} UTC`];
  if (run.confirmed) facts.push(`confirmed by ${run.confirmed.by} at ${utc(run.confirmed.at)} UTC`);
  const result = [resultWords(run)];
  if (run.exitCode !== null) result.push(`exit code ${run.exitCode}`);
  if (run.durationMs !== null) result.push(duration(run.durationMs, 'span'));
  const said = run.resultTitle && !run.reply ? ` — “${oneLine(run.resultTitle, CELL)}”` : '';
  const blocks: Block[] = [
    { type: 'heading', level: 3, text: oneLine(`${run.n}. ${run.text}`, HEADING) },
    { type: 'paragraph', content: [`${facts.join('; ')}. Result: ${result.join(', ')}${said}.`] },
  ];
  if (run.step) blocks.push({ type: 'paragraph', content: [{ strong: 'Confirmation asked:' }, ` “${oneLine(run.step, CELL)}”`] });
  if (run.argv) {
    const line = commandLine(run.argv);
    blocks.push({ type: 'paragraph', content: [`${line.label}:`] }, { type: 'code', text: line.text });
  }
  if (run.progress.length > 0) {
    const of = run.progressTotal > run.progress.length ? `last ${run.progress.length} of ${run.progressTotal} lines` : `${run.progress.length} line${run.progress.length === 1 ? '' : 's'}`;
    blocks.push({ type: 'paragraph', content: [`Progress (${of}):`] }, { type: 'code', text: outputExcerpt(run.progress.join('\n')) });
  }
  if (run.output) blocks.push({ type: 'paragraph', content: ['Output (excerpt):'] }, { type: 'code', text: outputExcerpt(run.output) });
  if (run.reply) blocks.push({ type: 'paragraph', content: [{ strong: 'Reply:' }, ` ${oneLine(run.reply, REPLY)}`] });
  return blocks;
}

function whatWeRan(runs: readonly Run[]): Block[] {
  const blocks: Block[] = [{ type: 'heading', level: 2, text: 'What we ran' }];
  if (runs.length === 0) {
    blocks.push({ type: 'paragraph', content: ['No commands or buttons were recorded for this incident (in its channel, on its alert cards, entered from the console or by its service).'] });
    return blocks;
  }
  blocks.push({
    type: 'table',
    header: ['#', 'time (UTC)', 'what', 'requested by', 'confirmed by', 'result', 'exit', 'took'],
    rows: runs.map((r) => [
      String(r.n),
      utc(r.at),
      oneLine(r.text, CELL),
      r.requestedBy,
      r.confirmed?.by ?? '',
      resultWords(r),
      r.exitCode === null ? '' : String(r.exitCode),
      r.durationMs === null ? '' : duration(r.durationMs, 'span'),
    ]),
  });
  for (const r of runs) blocks.push(...runDetail(r));
  return blocks;
}

function alertsSection(alerts: readonly AlertGroup[], events: readonly TimelineEvent[]): Block[] {
  const blocks: Block[] = [{ type: 'heading', level: 2, text: 'Alerts' }];
  if (alerts.length === 0) {
    blocks.push({ type: 'paragraph', content: ['No alerts were linked to this incident.'] });
    return blocks;
  }
  const silences = new Map<string, { id: string | undefined; text: string }[]>();
  for (const e of events) {
    if (e.kind !== 'alert.silenced') continue;
    const group = detailString(e, 'group');
    if (!group) continue;
    const until = detailString(e, 'until');
    const list = silences.get(group) ?? [];
    list.push({ id: detailString(e, 'silence'), text: `${until ? `until ${utc(new Date(until))}` : 'silenced'} by ${e.actor.name}` });
    silences.set(group, list);
  }
  const rows = alerts.map((g) => {
    const list = silences.get(g.id) ?? [];
    if (g.silence && !list.some((s) => s.id === g.silence!.id)) list.push({ id: g.silence.id, text: `until ${utc(g.silence.until)} by ${g.silence.by}` });
    const count = g.firingCount + g.resolvedCount;
    return [
      oneLine(g.alertname, CELL),
      g.service ?? NONE,
      g.severity ?? NONE,
      utc(g.firstFiredAt),
      g.resolvedAt ? utc(g.resolvedAt) : g.status === 'firing' ? 'still firing' : NONE,
      g.firingCount > 0 ? `${count} (${g.firingCount} firing)` : String(count),
      g.acknowledged ? `${g.acknowledged.by.name} at ${utc(g.acknowledged.at)}` : 'no',
      list.length > 0 ? list.map((s) => s.text).join('; ') : 'none',
    ];
  });
  blocks.push({ type: 'table', header: ['alert', 'service', 'severity', 'first fired (UTC)', 'resolved (UTC)', 'alerts', 'acknowledged', 'silences'], rows });
  return blocks;
}

/** Incident rows start with the incident's id ("INC-7 identified → monitoring"); the draft is about it already. */
function withoutId(text: string, id: string): string {
  return text.startsWith(`${id} `) ? text.slice(id.length + 1) : text.startsWith(`${id}: `) ? text.slice(id.length + 2) : text;
}

function describe(e: TimelineEvent, incident: Incident, runOf: ReadonlyMap<string, number>): { who: string; what: string } {
  const text = withoutId(e.text ?? '', incident.id);
  const who = e.actor.name;
  const ref = runOf.has(e.invocationId) ? ` (run ${runOf.get(e.invocationId)})` : '';
  switch (e.kind) {
    case 'incident.declared': {
      const severity = detailString(e, 'severity');
      return { who, what: `Declared the incident: ${detailString(e, 'title') ?? (text || incident.title)}${severity ? ` (${sev(severity)})` : ''}` };
    }
    case 'incident.status': {
      const to = statusTo(e);
      // The note is in detail when the row has one; older rows have only the text.
      const note = 'note' in e.detail ? (detailString(e, 'note') ?? '') : /→/.test(text) || text.toLowerCase() === to ? '' : text;
      return { who, what: `${to ? `Status → ${to}` : `Status changed: ${text}`}${to && note ? `: ${note}` : ''}` };
    }
    case 'incident.severity': {
      const c = severityChange(e);
      return { who, what: c.to ? `Severity ${c.from ? `${sev(c.from)} → ` : '→ '}${sev(c.to)}` : `Severity changed: ${text}` };
    }
    case 'incident.role': {
      const role = detailString(e, 'role');
      if (!role) return { who, what: `Role: ${text}` };
      const from = detailName(e, 'from');
      return { who, what: `${role[0]!.toUpperCase()}${role.slice(1)} → ${detailName(e, 'to') ?? 'unassigned'}${from ? ` (was ${from})` : ''}` };
    }
    case 'incident.update':
      return { who, what: `Status update: ${text}` };
    case 'incident.action-item':
      return { who, what: `Action item: ${detailString(e, 'text') ?? text.replace(/^action item: /, '')}` };
    case 'note':
      return { who, what: `Note: ${text}` };
    case 'message.marked': {
      const author = detailName(e, 'author');
      return author && author !== who ? { who: author, what: `📌 ${text} (marked by ${who})` } : { who, what: `📌 ${text}` };
    }
    case 'alert.received':
      return { who, what: `Alert: ${text}` };
    case 'alert.resolved':
      return { who, what: `Alert resolved: ${text}` };
    case 'alert.diagnosis': {
      const inv = detailString(e, 'invocation');
      const run = inv !== undefined ? runOf.get(inv) : undefined;
      return { who, what: `Diagnosis (read-only): ${text}${run !== undefined ? ` (run ${run})` : ''}` };
    }
    case 'confirmation.requested':
      return { who, what: `Requested ${text} (needs confirmation)${ref}` };
    case 'confirmation.confirmed':
      return { who, what: `Confirmed: ${text}${ref}` };
    case 'confirmation.cancelled':
      return { who, what: `Cancelled: ${text.replace(/^\(cancel\)\s*/, '')}${ref}` };
    case 'action.started':
      return { who, what: `Started: ${text || detailString(e, 'action') || (e.command ? `/${e.command}` : 'an action')}${ref}` };
    case 'action.finished':
      return { who, what: `Finished: ${text} — ${e.outcome ?? '?'}${e.exitCode !== null ? ` (exit ${e.exitCode})` : ''}${ref}` };
    case 'command.denied':
      return { who, what: `Denied: ${text}${ref}` };
    case 'command.invalid':
      return { who, what: `Invalid: ${text}${ref}` };
    case 'command.refused':
      return { who, what: `Refused (not run): ${text}${ref}` };
    case 'command':
    case 'button':
      return { who, what: `${text || `/${e.command ?? '?'}`} — ${OUTCOME_WORDS[e.outcome ?? ''] ?? e.outcome ?? '?'}${e.exitCode !== null ? ` (exit ${e.exitCode})` : ''}${ref}` };
    default:
      return { who, what: text || e.kind };
  }
}

/** The Timeline section, and how many rows its table has (the draft's first line counts them). */
function timelineSection(input: DraftInput, runs: readonly Run[], runOf: ReadonlyMap<string, number>): { blocks: Block[]; rows: number; progress: number } {
  const rows: string[][] = [];
  let progress = 0;
  for (const e of input.events) {
    // Progress lines are shown with their run in "What we ran"; here they would bury the rest.
    if (e.kind === 'action.progress') {
      progress++;
      continue;
    }
    if (isIncidentBookkeeping(e)) continue;
    const d = describe(e, input.incident, runOf);
    rows.push([utc(e.at), oneLine(d.who, 80), oneLine(d.what, CELL)]);
  }
  const blocks: Block[] = [{ type: 'heading', level: 2, text: 'Timeline' }];
  if (rows.length === 0) {
    blocks.push({ type: 'paragraph', content: ['Nothing was recorded on this incident\'s timeline.'] });
    return { blocks, rows: 0, progress };
  }
  blocks.push({ type: 'table', header: ['time (UTC)', 'who', 'what'], rows });
  if (progress > 0 && runs.length > 0) blocks.push({ type: 'paragraph', content: [`${progress} progress line${progress === 1 ? '' : 's'} are shown with their runs under "What we ran".`] });
  return { blocks, rows: rows.length, progress };
}

function participants(input: DraftInput): Block[] {
  const { incident, events } = input;
  const people = new Map<string, { name: string; events: number; what: Set<string> }>();
  const key = (a: { platform: string; id: string }) => `${a.platform}:${a.id}`;
  const person = (a: { platform: string; id: string; name: string }) => {
    let p = people.get(key(a));
    if (!p) people.set(key(a), (p = { name: a.name, events: 0, what: new Set() }));
    return p;
  };
  person(incident.declaredBy).what.add('declared');
  for (const e of events) if (e.actor.platform !== 'system') person(e.actor).events++;
  for (const [role, a] of Object.entries(incident.roles)) if (a) person(a).what.add(role);
  const items: Inline[][] = [...people.values()].map((p) => [
    { strong: oneLine(p.name, 80) },
    `${p.what.size > 0 ? ` (${[...p.what].join(', ')})` : ''} — ${p.events} timeline event${p.events === 1 ? '' : 's'}`,
  ]);
  return [{ type: 'heading', level: 2, text: 'Participants' }, { type: 'bullets', items }];
}

function actionItems(input: DraftInput): Block[] {
  const blocks: Block[] = [{ type: 'heading', level: 2, text: 'Action items' }];
  if (input.actionItems.length === 0) {
    blocks.push({ type: 'paragraph', content: ['None recorded yet (add them with /incident action "…").'] });
    return blocks;
  }
  blocks.push({
    type: 'tasks',
    items: input.actionItems.map((a) => ({ id: `action-item-${a.id}`, text: `${oneLine(a.text, REPLY)} (${a.by.name}, ${utc(a.at)} UTC)`, done: a.done })),
  });
  return blocks;
}

const FOR_PEOPLE: [string, string][] = [
  ['Impact', 'Who or what was affected, how badly and for how long.'],
  ['Root cause', 'What caused it, and why it was possible.'],
  ['What went well', 'What helped: tools, alerts, people, luck.'],
  ['What went badly', 'What slowed us down or made it worse.'],
  ['Lessons', 'What we change so it does not happen again (add action items above).'],
];

/** The whole draft from what was recorded. Pure: the same input gives the same document. */
export function draftDocument(input: DraftInput): DraftDocument {
  const { incident } = input;
  const kt = keyTimes(input);
  const { runs, runOf } = collectRuns(input.events);
  const tl = timelineSection(input, runs, runOf);
  // The count is the Timeline table's rows, so a reader who counts them finds the same number.
  const counted = `${tl.rows} event${tl.rows === 1 ? '' : 's'}${tl.progress > 0 && runs.length > 0 ? `, and ${tl.progress} progress line${tl.progress === 1 ? '' : 's'} shown with their runs` : ''}`;
  const intro: Inline[] = [
    `Drafted by Firebreak from the incident's timeline (${counted}) at ${utc(input.now)} UTC. Everything above "Impact" comes from the record; the sections from "Impact" on are for people to write.`,
  ];
  if (input.draftUrl) intro.push(' Latest draft: ', { link: input.draftUrl, text: `${incident.id} post-mortem draft` }, '.');
  const blocks: Block[] = [
    { type: 'heading', level: 1, text: oneLine(`${incident.id}: ${incident.title} — post-mortem draft`, HEADING + 40) },
    { type: 'paragraph', content: intro },
    ...summary(input, kt),
    ...keyTimesSection(kt),
    ...whatWeRan(runs),
    ...alertsSection(input.alerts, input.events),
    ...tl.blocks,
    ...participants(input),
    ...actionItems(input),
  ];
  for (const [title, hint] of FOR_PEOPLE) blocks.push({ type: 'heading', level: 2, text: title }, { type: 'prompt', hint });
  return { title: draftTitle(incident), blocks };
}

/**
 * The document cut to fit a size limit (a GitHub issue body holds 65,536 characters, a Jira
 * description less), as `measure` counts it. The summary, key times, participants, action items
 * and the sections for people are always kept. Then, as far as they fit and in this order: the
 * table of what we ran and the alerts, the timeline's rows, each run's details. Rows and details
 * are kept from the start, in order, and a sentence says how many were left out and where they are.
 */
export function fitDocument(doc: DraftDocument, maxChars: number, measure: (b: Block) => number, fullDraftUrl?: string): DraftDocument {
  const blocks = doc.blocks;
  const sizes = blocks.map(measure);
  const sum = (from: number, to: number) => sizes.slice(from, to).reduce((a, c) => a + c, 0);
  if (sum(0, blocks.length) <= maxChars) return doc;
  const isH2 = (b: Block, text?: string) => b.type === 'heading' && b.level === 2 && (text === undefined || b.text === text);
  const from = blocks.findIndex((b) => isH2(b, 'What we ran'));
  const to = blocks.findIndex((b) => isH2(b, 'Participants'));
  if (from < 0 || to < from) return doc;
  const notice = (what: string): Block => ({
    type: 'paragraph',
    content: fullDraftUrl ? [`${what} did not fit here; the `, { link: fullDraftUrl, text: 'full draft' }, ' has everything.'] : [`${what} did not fit here; the full draft has everything.`],
  });
  const NOTICE = measure(notice('The details of 999999 more runs'));

  // Units of the middle part: a block, or a run's details (its heading and what follows it).
  interface Unit { start: number; end: number; rank: number; size: number; rows?: number }
  const units: Unit[] = [];
  let section = '';
  for (let i = from; i < to; ) {
    const b = blocks[i]!;
    let end = i + 1;
    if (b.type === 'heading' && b.level === 3) while (end < to && blocks[end]!.type !== 'heading') end++;
    if (b.type === 'heading' && b.level === 2) section = b.text;
    const rank = isH2(b) ? 0 : section === 'Timeline' ? 2 : b.type === 'heading' && b.level === 3 ? 3 : 1;
    units.push({ start: i, end, rank, size: sum(i, end) });
    i = end;
  }
  // Room for the sentences saying what was left out (one per table and one for the runs' details).
  let budget = maxChars - sum(0, from) - sum(to, blocks.length) - 4 * NOTICE;
  const kept = new Map<Unit, number | true>();
  for (const rank of [0, 1, 2, 3]) {
    let stopped = false;
    for (const u of units) {
      if (u.rank !== rank || stopped) continue;
      const b = blocks[u.start]!;
      if (u.size + NOTICE <= budget || rank === 0) {
        kept.set(u, true);
        budget -= u.size;
      } else if (b.type === 'table') {
        const empty = measure({ ...b, rows: [] });
        let used = empty;
        let n = 0;
        while (n < b.rows.length && used + NOTICE < budget) {
          const size = measure({ ...b, rows: [b.rows[n]!] }) - empty;
          if (used + size + NOTICE > budget) break;
          used += size;
          n++;
        }
        if (n > 0) kept.set(u, n);
        budget -= (n > 0 ? used : 0) + NOTICE;
        stopped = true;
      } else {
        budget -= NOTICE;
        stopped = true;
      }
    }
  }
  const middle: Block[] = [];
  let skippedRuns = 0;
  const flush = () => {
    if (skippedRuns > 0) middle.push(notice(`The details of ${skippedRuns} more run${skippedRuns === 1 ? '' : 's'}`));
    skippedRuns = 0;
  };
  for (const u of units) {
    const b = blocks[u.start]!;
    const k = kept.get(u);
    if (u.rank === 0) flush();
    if (k === true) middle.push(...blocks.slice(u.start, u.end));
    else if (b.type === 'table') {
      const n = k ?? 0;
      if (n > 0) middle.push({ ...b, rows: b.rows.slice(0, n) });
      const left = b.rows.length - n;
      middle.push(notice(`${left} more row${left === 1 ? '' : 's'} of this table`));
    } else if (u.rank === 3) skippedRuns++;
  }
  flush();
  return { ...doc, blocks: [...blocks.slice(0, from), ...middle, ...blocks.slice(to)] };
}
