/**
 * One alert group's card: what it is, how bad, how many, since when, who acknowledged it, where to
 * look, and the buttons to act on it. Pure: the same group and alerts always render the same Reply,
 * so an unchanged card is never sent again (posted-messages compares renderings). Label and
 * annotation text is untrusted: it goes into plain Reply fields, which every renderer escapes.
 */
import { heldText } from './maintenance.js';
import { drillMarked } from './drill-alert.js';
import { INTERRUPTED_DIAGNOSIS_TEXT } from './diagnosis.js';
import type { FirebreakConfig } from '../config/schema.js';
import type { Reply, ReplyButton, ReplyField } from '../core/reply.js';
import { cut, duration } from '../core/text-format.js';
import { countsText, groupName, groupStatus, utcDateTime, utcTime } from './alert-format.js';
import type { AlertGroup, StoredAlert } from './model.js';
import { runbookButtons } from './runbook-buttons.js';

/** Alerts described one by one on the card; the rest are counted. */
export const ALERT_LINES = 3;
/** Buttons on a card: two Discord rows. More would bury Acknowledge among runbook actions. */
export const MAX_CARD_BUTTONS = 10;

export const alertActionIds = {
  ack: (groupId: string) => `ack:${groupId}`,
  silence: (groupId: string) => `silence:${groupId}`,
  /** Open incident: src/incidents/buttons/open-button.ts declares the group's incident (one per group). */
  openIncident: (groupId: string) => `inc-open:${groupId}`,
  /** Diagnose: runs the route's diagnosis of a group the storm limit passed over (buttons/diagnose-button.ts). */
  diagnose: (groupId: string) => `diag:${groupId}`,
};

const DIAGNOSIS_TEXT: Record<NonNullable<AlertGroup['diagnosis']>['state'], string> = {
  running: 'running — the report is in the thread',
  done: 'done — the report is in the thread',
  failed: 'a step failed — the report is in the thread',
  storm: 'not diagnosed: storm',
  skipped: 'not diagnosed',
  interrupted: `${INTERRUPTED_DIAGNOSIS_TEXT} — press Diagnose to run it again`,
};

function link(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? cut(url, 500) : null;
  } catch {
    return null;
  }
}

/** The alerts worth describing: firing ones first, in the order the store gives them. */
function shownAlerts(alerts: readonly StoredAlert[]): StoredAlert[] {
  return [...alerts.filter((a) => a.status === 'firing'), ...alerts.filter((a) => a.status !== 'firing')].slice(0, ALERT_LINES);
}

/** What tells this alert from the others of its group: its own labels, e.g. "instance=10.0.0.7:9100". */
function ownLabels(a: StoredAlert, common: Record<string, string>): string {
  return Object.entries(a.labels)
    .filter(([k, v]) => k !== 'alertname' && common[k] !== v)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

function valuesText(a: StoredAlert): string {
  return a.values ? Object.entries(a.values).map(([k, v]) => `${k}=${v}`).join(' ') : '';
}

function alertLine(a: StoredAlert, group: AlertGroup): string {
  const summary = a.annotations.summary !== group.commonAnnotations.summary ? a.annotations.summary : undefined;
  const description = a.annotations.description !== group.commonAnnotations.description ? a.annotations.description : undefined;
  const values = valuesText(a);
  const parts = [summary ?? description ?? '', ownLabels(a, group.commonLabels), values].filter((p) => p !== '');
  const text = parts.length > 0 ? parts.join(' · ') : a.fingerprint;
  return `• ${cut(text, 300)}${a.status === 'resolved' ? ' (resolved)' : ''}`;
}

function description(group: AlertGroup, alerts: readonly StoredAlert[]): string | undefined {
  const lines: string[] = [];
  const { summary, description: desc } = group.commonAnnotations;
  if (summary) lines.push(cut(summary, 300));
  if (desc && desc !== summary) lines.push(cut(desc, 600));
  const total = group.firingCount + group.resolvedCount;
  if (alerts.length > 1 || lines.length === 0) {
    const shown = shownAlerts(alerts);
    for (const a of shown) lines.push(alertLine(a, group));
    const more = Math.max(total, alerts.length) - shown.length;
    if (more > 0) lines.push(`… and ${more} more`);
  } else if (alerts.length === 1 && alerts[0]!.values) {
    // One alert, described by the group's summary: its values (Grafana's B=93.1) still show.
    const values = valuesText(alerts[0]!);
    if (values) lines.push(cut(values, 300));
  }
  return lines.length > 0 ? lines.join('\n') : undefined;
}

function firstLink(alerts: readonly StoredAlert[], pick: (a: StoredAlert) => string | null | undefined): string | null {
  for (const a of alerts) {
    const l = link(pick(a));
    if (l) return l;
  }
  return null;
}

function linkFields(group: AlertGroup, alerts: readonly StoredAlert[]): ReplyField[] {
  const ordered = shownAlerts(alerts).concat(alerts);
  const runbook = link(group.commonAnnotations.runbook_url) ?? firstLink(ordered, (a) => a.annotations.runbook_url);
  const candidates: [string, string | null][] = [
    ['Runbook', runbook],
    ['Source', firstLink(ordered, (a) => a.generatorUrl)],
    ['Dashboard', firstLink(ordered, (a) => a.dashboardUrl)],
    ['Panel', firstLink(ordered, (a) => a.panelUrl)],
  ];
  return candidates.filter((c): c is [string, string] => c[1] !== null).map(([label, value]) => ({ label, value }));
}

function stateFields(group: AlertGroup, now: Date): ReplyField[] {
  const start = group.firstFiredAt;
  const fields: ReplyField[] = [
    { label: 'Severity', value: group.severity ? cut(group.severity, 40) : 'not set' },
    { label: 'Alerts', value: countsText(group) },
    { label: 'Started', value: utcDateTime(start) },
  ];
  if (group.status === 'resolved' && group.resolvedAt) {
    fields.push({ label: 'Resolved', value: `${utcTime(group.resolvedAt, start)}, fired for ${duration(group.resolvedAt.getTime() - start.getTime(), 'age')}` });
  }
  if (group.incidentId) fields.push({ label: 'Incident', value: cut(group.incidentId, 20) });
  if (group.status === 'firing' && group.maintenance) fields.push({ label: 'Maintenance', value: cut(heldText(group.maintenance), 300) });
  if (group.diagnosis) fields.push({ label: 'Diagnosis', value: `${DIAGNOSIS_TEXT[group.diagnosis.state]}${group.diagnosis.note ? ` (${cut(group.diagnosis.note, 200)})` : ''}` });
  const ack = group.acknowledged;
  if (ack) fields.push({ label: 'Acknowledged', value: `by ${cut(ack.by.name, 60)} at ${utcTime(ack.at, start)}` });
  const silence = group.silence;
  if (silence) {
    const when = silence.until.getTime() > now.getTime() ? `until ${utcTime(silence.until, start)}` : `expired at ${utcTime(silence.until, start)}`;
    fields.push({ label: 'Silenced', value: `${when} by ${cut(silence.by, 60)} (silence ${cut(silence.id, 40)})` });
  }
  return fields;
}

function buttons(group: AlertGroup, alerts: readonly StoredAlert[], config: FirebreakConfig, now: Date): ReplyButton[] {
  const out: ReplyButton[] = [];
  const firing = group.status === 'firing';
  if (firing && !group.acknowledged) out.push({ actionId: alertActionIds.ack(group.id), label: 'Acknowledge', style: 'primary' });
  // Once the group belongs to an incident, the card says which instead.
  if (firing && !group.incidentId) out.push({ actionId: alertActionIds.openIncident(group.id), label: 'Open incident' });
  // Only Alertmanager's alerts can be silenced through its API; Grafana and the health watch have their own.
  const silenced = group.silence !== null && group.silence.until.getTime() > now.getTime();
  if (firing && !silenced && group.source === 'alertmanager' && config.alerts.alertmanager_url) {
    out.push({ actionId: alertActionIds.silence(group.id), label: 'Silence 1 h' });
  }
  // Passed over, or cut off by a replica that stopped: a person decides whether to run it again.
  const passedOver = group.diagnosis?.state === 'storm' || group.diagnosis?.state === 'skipped' || group.diagnosis?.state === 'interrupted';
  if (firing && passedOver) out.push({ actionId: alertActionIds.diagnose(group.id), label: 'Diagnose' });
  out.push(...runbookButtons(config, group, alerts));
  return out.slice(0, MAX_CARD_BUTTONS);
}

/**
 * The card of `group` with (some of) its alerts. `now` only decides whether a silence is still on;
 * every time on the card is absolute, so a card does not change by itself as time passes.
 */
export function renderAlertCard(group: AlertGroup, alerts: readonly StoredAlert[], config: FirebreakConfig, now: Date): Reply {
  const firing = group.status === 'firing';
  const reply: Reply = {
    title: drillMarked(group, `${firing ? 'Firing' : 'Resolved'}: ${groupName(group)}${firing && group.maintenance ? ' · 🔧 during maintenance' : ''}`),
    status: groupStatus(group),
    fields: [...stateFields(group, now), ...linkFields(group, alerts)],
    context: `${group.source} · alert group ${group.id}`,
  };
  const text = description(group, alerts);
  if (text) reply.text = text;
  const b = buttons(group, alerts, config, now);
  if (b.length > 0) reply.buttons = b;
  return reply;
}
