/* @jsxRuntime automatic */
/* @jsxImportSource preact */
// The pragmas make this file compile the same wherever tsx runs from (it reads tsconfig.json only from the working directory).
import type { AlertGroup } from '../alerts/model.js';
import { formatArgv } from '../core/argv-display.js';
import { duration } from '../core/text-format.js';
import type { TimelineEvent } from '../core/timeline.js';
import type { DraftInput } from '../postmortems/draft-input.js';
import { outputExcerpt } from '../postmortems/draft-format.js';
import { keyTimes, type KeyTime, type KeyTimes } from '../postmortems/key-times.js';
import { Layout, Time } from './layout.js';

/** How an event looks: its family (colour, via the row's class), its icon and a short label. */
interface Look {
  family: 'alert' | 'alert-resolved' | 'command' | 'action' | 'status' | 'note' | 'procedure' | 'other';
  icon: string;
}

export function lookOf(kind: string): Look {
  if (kind === 'alert.resolved') return { family: 'alert-resolved', icon: '✅' };
  if (kind.startsWith('alert.')) return { family: 'alert', icon: kind === 'alert.acknowledged' ? '👀' : '🔔' };
  if (kind.startsWith('command') || kind === 'button') return { family: 'command', icon: '⌨️' };
  if (kind.startsWith('action.') || kind.startsWith('confirmation.') || kind.startsWith('backup.')) return { family: 'action', icon: '▶️' };
  if (kind.startsWith('procedure.')) return { family: 'procedure', icon: '📋' };
  if (kind === 'note' || kind === 'message.marked' || kind === 'incident.update' || kind === 'incident.action-item') return { family: 'note', icon: '📝' };
  if (kind.startsWith('incident.')) return { family: 'status', icon: '🚩' };
  return { family: 'other', icon: '•' };
}

const KIND_LABEL: Record<string, string> = {
  'alert.received': 'alert',
  'alert.resolved': 'alert resolved',
  'alert.acknowledged': 'acknowledged',
  'action.started': 'started',
  'action.finished': 'finished',
  'confirmation.requested': 'asks to confirm',
  'confirmation.confirmed': 'confirmed',
  'confirmation.cancelled': 'cancelled',
  'incident.declared': 'declared',
  'incident.status': 'status',
  'incident.update': 'update',
  note: 'note',
};
const kindLabel = (kind: string) => KIND_LABEL[kind] ?? kind;

/** The "what" of a row: a command in monospace with its exit code and duration, an excerpt of its output to expand. */
function EventBody({ e }: { e: TimelineEvent }) {
  const text = e.text ?? (e.command ? `/${e.command}` : '');
  const facts = [
    e.exitCode !== null ? `exit ${e.exitCode}` : null,
    e.durationMs !== null && e.kind !== 'command' ? duration(e.durationMs, 'span') : null,
    e.outcome && e.outcome !== 'ok' ? e.outcome : null,
  ].filter((f): f is string => f !== null);
  return (
    <div class="what">
      {e.kind.startsWith('command') || e.kind === 'button' ? <code class="cmd">{text}</code> : <span>{text}</span>}
      {e.argv && e.argv.length > 0 ? (
        <div>
          <code class="cmd">$ {formatArgv(e.argv)}</code>
        </div>
      ) : null}
      {facts.length > 0 ? <div class="meta">{facts.join(' · ')}</div> : null}
      {e.output ? (
        <details>
          <summary>output</summary>
          <pre>{outputExcerpt(e.output, 40, 4000)}</pre>
        </details>
      ) : null}
    </div>
  );
}

/** One timeline row; also what the live stream sends (rendered here, so it is escaped the same way). */
export function TimelineRow({ e }: { e: TimelineEvent }) {
  const look = lookOf(e.kind);
  return (
    <li id={`ev-${e.id}`} class={`k-${look.family}`} data-kind={e.kind}>
      <div class="meta">
        <Time at={e.at} /> · {e.actor.name} ·{' '}
        <span class={`badge s-${look.family === 'alert' ? 'error' : look.family === 'alert-resolved' ? 'ok' : 'muted'}`}>
          <i class="icon" aria-hidden="true">
            {look.icon}
          </i>{' '}
          {kindLabel(e.kind)}
        </span>
      </div>
      <EventBody e={e} />
    </li>
  );
}

/** A procedure run's rows as one block: the run, then each step in order. */
function ProcedureBlock({ events }: { events: TimelineEvent[] }) {
  const first = events[0]!;
  const finished = events.find((e) => e.kind === 'procedure.finished');
  return (
    <li id={`ev-${first.id}`} class="k-procedure" data-kind="procedure">
      <div class="meta">
        <Time at={first.at} /> · {first.actor.name} · <span class="badge s-pending">📋 procedure</span>
      </div>
      <div class="procedure">
        <strong>{first.text ?? 'procedure run'}</strong>
        {finished ? <span class="muted"> — {finished.text ?? finished.outcome ?? 'finished'}</span> : null}
        <ol>
          {events
            .filter((e) => e !== first && e !== finished)
            .map((e) => (
              <li id={`ev-${e.id}`} data-kind={e.kind}>
                <span class="meta">
                  <Time at={e.at} /> · {e.actor.name} · {kindLabel(e.kind)}
                </span>
                <EventBody e={e} />
              </li>
            ))}
        </ol>
      </div>
    </li>
  );
}

const KEY_NAMES = ['detected', 'acknowledged', 'mitigated', 'resolved'] as const;
type KeyName = (typeof KEY_NAMES)[number];

/** The four key times with the time between each and the one before it (and from the start). */
export function keyTimeSteps(k: KeyTimes): { name: KeyName; time: KeyTime; sincePrevious: number | null }[] {
  let previous: Date | null = k.started.at;
  return KEY_NAMES.map((name) => {
    const time = k[name];
    const since = time.at && previous && time.at >= previous ? time.at.getTime() - previous.getTime() : null;
    if (time.at) previous = time.at;
    return { name, time, sincePrevious: since };
  });
}

function KeyTimesPanel({ k }: { k: KeyTimes }) {
  return (
    <section aria-label="Key times">
      <h2>Key times</h2>
      <div class="cards" id="key-times">
        <div class="card">
          <b>Started</b>
          {k.started.at ? <Time at={k.started.at} /> : 'not recorded'}
          <div class="muted">{k.started.source}</div>
        </div>
        {keyTimeSteps(k).map((s) => (
          <div class="card" data-key={s.name}>
            <b>{s.name.charAt(0).toUpperCase() + s.name.slice(1)}</b>
            {s.time.at ? <Time at={s.time.at} /> : 'not yet'}
            {s.sincePrevious !== null ? <div>+{duration(s.sincePrevious, 'span')}</div> : null}
            <div class="muted">{s.time.source}</div>
          </div>
        ))}
      </div>
      <p class="definitions">
        Time to acknowledge {k.ttaMs === null ? '—' : duration(k.ttaMs, 'span')} · to mitigate {k.ttmMs === null ? '—' : duration(k.ttmMs, 'span')} · to resolve{' '}
        {k.ttrMs === null ? '—' : duration(k.ttrMs, 'span')}
      </p>
    </section>
  );
}

function AlertSpans({ alerts, now }: { alerts: readonly AlertGroup[]; now: Date }) {
  if (alerts.length === 0) return null;
  return (
    <section aria-label="Alerts">
      <h2>Alerts</h2>
      {alerts.map((g) => (
        <div class={`span${g.resolvedAt ? ' resolved' : ''}`}>
          <strong>{g.alertname || 'alert'}</strong>
          {g.service ? ` (${g.service})` : ''}: firing from <Time at={g.firstFiredAt} />{' '}
          {g.resolvedAt ? (
            <>
              to <Time at={g.resolvedAt} /> ({duration(g.resolvedAt.getTime() - g.firstFiredAt.getTime(), 'span')})
            </>
          ) : (
            `, still firing (${duration(now.getTime() - g.firstFiredAt.getTime(), 'span')})`
          )}
          {Object.keys(g.commonLabels).length > 0 ? (
            <div class="muted">
              {Object.entries(g.commonLabels)
                .map(([k, v]) => `${k}=${v}`)
                .join(' ')}
            </div>
          ) : null}
        </div>
      ))}
    </section>
  );
}

type Item = { kind: 'event'; at: Date; e: TimelineEvent } | { kind: 'procedure'; at: Date; events: TimelineEvent[] } | { kind: 'key'; at: Date; name: string; since: number | null };

/** Events in order, each procedure run folded into one block where it began, key times marked where they fell. */
export function timelineItems(events: readonly TimelineEvent[], k: KeyTimes): Item[] {
  const procedureRuns = new Set(events.filter((e) => e.kind.startsWith('procedure.')).map((e) => e.invocationId));
  const items: Item[] = [];
  const blocks = new Map<string, TimelineEvent[]>();
  for (const e of events) {
    if (procedureRuns.has(e.invocationId)) {
      const block = blocks.get(e.invocationId);
      if (block) {
        block.push(e);
        continue;
      }
      const fresh = [e];
      blocks.set(e.invocationId, fresh);
      items.push({ kind: 'procedure', at: e.at, events: fresh });
      continue;
    }
    items.push({ kind: 'event', at: e.at, e });
  }
  // A key time goes after the rows at or before it (it is usually one of them).
  for (const step of keyTimeSteps(k)) {
    if (!step.time.at) continue;
    const at = step.time.at;
    let index = items.findIndex((it) => it.at.getTime() > at.getTime());
    if (index < 0) index = items.length;
    items.splice(index, 0, { kind: 'key', at, name: step.name, since: step.sincePrevious });
  }
  return items;
}

export interface TimelinePageProps {
  input: DraftInput;
  viewer: string | null;
  links: { postmortem: string; markdown: string; events: string; incidents: string; alerts: string };
}

export function TimelinePage({ input, viewer, links }: TimelinePageProps) {
  const { incident: i, events, alerts } = input;
  const k = keyTimes(input);
  const lastId = events.reduce((m, e) => Math.max(m, e.id), 0);
  const eventsUrl = `${links.events}${links.events.includes('?') ? '&' : '?'}after=${lastId}`;
  return (
    <Layout
      title={`${i.id}: ${i.title}`}
      viewer={viewer}
      nav={[
        { label: 'Incidents', href: links.incidents },
        { label: 'Alerts', href: links.alerts },
        { label: 'Post-mortem', href: links.postmortem },
      ]}
    >
      <h1>
        {i.id}: {i.title}
      </h1>
      <p>
        <span class={`badge s-${i.status === 'resolved' ? 'ok' : 'error'}`}>{i.status}</span> <span class="badge s-warning">{i.severity.toUpperCase()}</span>
        {i.service ? <span class="muted"> · service {i.service}</span> : null}
        <span class="muted"> · lead {i.roles.lead?.name ?? 'nobody yet'}</span>
        <span class="muted">
          {' '}
          · declared <Time at={i.declaredAt} /> by {i.declaredBy.name}
        </span>
      </p>
      <p>
        <a class="button" href={links.postmortem}>
          Post-mortem preview
        </a>{' '}
        <a class="button" href={links.markdown}>
          Download .md
        </a>
      </p>
      <KeyTimesPanel k={k} />
      <AlertSpans alerts={alerts} now={input.now} />
      <h2>Timeline</h2>
      <p class="live" data-live="">
        {events.length} events. Reload for new ones (live updates need JavaScript).
      </p>
      <ol class="timeline" id="timeline" data-events={eventsUrl}>
        {timelineItems(events, k).map((it) =>
          it.kind === 'event' ? (
            <TimelineRow e={it.e} />
          ) : it.kind === 'procedure' ? (
            <ProcedureBlock events={it.events} />
          ) : (
            <li class="k-key key-time" data-key-time={it.name}>
              <div class="meta">
                <Time at={it.at} />
              </div>
              ⏱ {it.name}
              {it.since !== null ? ` (+${duration(it.since, 'span')})` : ''}
            </li>
          ),
        )}
      </ol>
    </Layout>
  );
}
