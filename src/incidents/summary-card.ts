/**
 * What an incident shows in chat: the pinned summary card, the channel topic, the announcement in
 * the incidents channel, and the private pickers behind its buttons. Pure: incident (+ its linked
 * alert groups) in, neutral Reply out; every platform renders it.
 */
import type { Reply, ReplyButton, ReplyField, ReplyLink, ReplyStatus } from '../core/reply.js';
import { personName } from './mentions.js';
import { INCIDENT_STATUSES, type Incident, type IncidentStatus, type Severity } from './model.js';

/** A linked alert group as the card lists it. */
export interface LinkedAlert {
  id: string;
  alertname: string;
  service: string | null;
  status: string;
}

const SEVERITIES: readonly Severity[] = ['sev1', 'sev2', 'sev3', 'sev4'];

const statusLook: Record<IncidentStatus, ReplyStatus> = { investigating: 'error', identified: 'warning', monitoring: 'info', resolved: 'ok' };

/** SEV2 */
export const severityLabel = (s: Severity) => s.toUpperCase();
const statusLabel = (s: IncidentStatus) => s.charAt(0).toUpperCase() + s.slice(1);

/** 2026-11-25 14:02 UTC */
export function formatUtc(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export const actionIds = {
  status: (id: string, to?: IncidentStatus) => (to ? `inc-status:${id}:${to}` : `inc-status:${id}`),
  severity: (id: string, to?: Severity) => (to ? `inc-sev:${id}:${to.slice(3)}` : `inc-sev:${id}`),
  lead: (id: string) => `inc-lead:${id}`,
  resolve: (id: string) => `inc-resolve:${id}`,
  join: (id: string) => `inc-join:${id}`,
  open: (alertGroupId: string) => `inc-open:${alertGroupId}`,
};

/** `SEV2 · investigating · lead @alice · checkout 5xx` */
export function incidentTopic(i: Incident): string {
  return [severityLabel(i.severity), i.status, `lead ${personName(i.roles.lead)}`, i.title].join(' · ');
}

function alertLine(a: LinkedAlert): string {
  return `${a.alertname}${a.service ? ` (${a.service})` : ''} — ${a.status}`;
}

function roleFields(i: Incident): ReplyField[] {
  return [
    { label: 'Lead', value: i.roles.lead ? personName(i.roles.lead) : 'nobody yet: Take lead' },
    ...(i.roles.comms ? [{ label: 'Comms', value: personName(i.roles.comms) }] : []),
    ...(i.roles.scribe ? [{ label: 'Scribe', value: personName(i.roles.scribe) }] : []),
  ];
}

/** The Open timeline button, when the page's link could be made. */
export const timelineLink = (url: string | null | undefined): ReplyLink[] | undefined => (url ? [{ label: 'Open timeline', url }] : undefined);

/** The pinned card in the incident's channel: everything at a glance, and the buttons that change it. */
export function summaryCard(i: Incident, alerts: readonly LinkedAlert[] = [], timelineUrl?: string | null): Reply {
  const resolved = i.status === 'resolved';
  const fields: ReplyField[] = [
    { label: 'Severity', value: severityLabel(i.severity) },
    { label: 'Status', value: statusLabel(i.status) },
    ...roleFields(i),
    { label: 'Started', value: `${formatUtc(i.declaredAt)} by ${personName(i.declaredBy)}` },
    ...(i.resolvedAt ? [{ label: 'Resolved', value: formatUtc(i.resolvedAt) }] : []),
    ...(i.service ? [{ label: 'Service', value: i.service }] : []),
    ...(alerts.length > 0 ? [{ label: alerts.length === 1 ? 'Alert' : `Alerts (${alerts.length})`, value: alerts.slice(0, 5).map(alertLine).join('\n') + (alerts.length > 5 ? `\n…and ${alerts.length - 5} more` : '') }] : []),
  ];
  const buttons: ReplyButton[] = resolved
    ? [{ actionId: actionIds.status(i.id), label: 'Reopen…' }]
    : [
        { actionId: actionIds.status(i.id), label: 'Update status', style: 'primary' },
        { actionId: actionIds.severity(i.id), label: 'Change severity' },
        { actionId: actionIds.lead(i.id), label: 'Take lead' },
        {
          actionId: actionIds.resolve(i.id),
          label: 'Resolve',
          style: 'danger',
          confirm: { title: `Resolve ${i.id}?`, text: `Marks "${i.title}" resolved and starts its post-mortem.`, confirm: 'Resolve', deny: 'Not yet' },
        },
      ];
  return {
    title: `${i.id}: ${i.title}`,
    status: statusLook[i.status],
    fields,
    context: resolved
      ? `Resolved. Everything done in this channel stays on ${i.id}'s timeline: /incident timeline`
      : `/incident status · sev · lead · role · note · update · action · timeline — every command here is on ${i.id}'s timeline`,
    buttons,
    links: timelineLink(timelineUrl),
  };
}

/** The announcement in the incidents channel, with Join; it follows the incident's state. */
export function announcementCard(i: Incident, timelineUrl?: string | null): Reply {
  const resolved = i.status === 'resolved';
  const where = i.channel?.own ? `#${i.channel.name}` : null;
  return {
    title: `${resolved ? 'Resolved' : 'Incident'} ${i.id} (${severityLabel(i.severity)}): ${i.title}`,
    status: statusLook[i.status],
    fields: [
      { label: 'Status', value: statusLabel(i.status) },
      ...roleFields(i),
      ...(where ? [{ label: 'Channel', value: where }] : []),
      { label: 'Declared', value: `${formatUtc(i.declaredAt)} by ${personName(i.declaredBy)}` },
    ],
    buttons: resolved || !where ? undefined : [{ actionId: actionIds.join(i.id), label: 'Join', style: 'primary' }],
    links: timelineLink(timelineUrl),
  };
}

/** Behind Update status: the statuses it can move to. Only the person who clicked sees it. */
export function statusPicker(i: Incident): Reply {
  return {
    title: `${i.id}: set the status`,
    status: 'info',
    text: `Now: ${statusLabel(i.status)}.`,
    buttons: INCIDENT_STATUSES.filter((s) => s !== i.status).map((s) => ({
      actionId: actionIds.status(i.id, s),
      label: statusLabel(s),
      ...(s === 'resolved' ? { style: 'danger' as const } : {}),
    })),
    ephemeral: true,
  };
}

/** Behind Change severity: the other severities. */
export function severityPicker(i: Incident): Reply {
  return {
    title: `${i.id}: set the severity`,
    status: 'info',
    text: `Now: ${severityLabel(i.severity)}.`,
    buttons: SEVERITIES.filter((s) => s !== i.severity).map((s) => ({ actionId: actionIds.severity(i.id, s), label: severityLabel(s) })),
    ephemeral: true,
  };
}
