/**
 * A drill's incident (`/drill --incident`): declared from the drill's alert group like Open incident
 * does — its own channel, responders invited, the pinned card, the announcement — but titled DRILL,
 * never paged (the drill pages only through escalation, with --page), and resolved at the drill's
 * end without a post-mortem draft or ticket (a drill is not an outage to learn from).
 */
import type { DrillIncidents } from '../alerts/drill.js';
import { DRILL_MARK } from '../alerts/drill-alert.js';
import type { FirebreakConfig } from '../config/schema.js';
import { alertIncidentDraft } from './alert-incidents.js';
import { declareIncident } from './declare.js';
import { changeStatus } from './incident-actions.js';
import type { IncidentDeps } from './incident-messages.js';
import type { IncidentsPorts } from './ports.js';

export function drillIncidents(config: FirebreakConfig, ports: IncidentsPorts): DrillIncidents {
  // No pager and no post-mortem service: declaring cannot page, resolving drafts nothing.
  const { paging: _paging, postmortems: _postmortems, ...quiet } = ports;
  const deps: IncidentDeps = { config, ports: quiet };
  return {
    async declare(group, by, invocationId) {
      const draft = alertIncidentDraft(config, group);
      const platform = ports.chat.announcers()[0]?.platform ?? 'console';
      const d = await declareIncident(deps, {
        source: `alert-group:${group.id}`,
        title: `${DRILL_MARK} · ${group.alertname}${group.service ? ` on ${group.service}` : ''}`,
        severity: draft.severity,
        service: draft.service,
        alertGroups: [group.id],
        cardPlatforms: ports.chat.announcers().map((p) => p.platform),
        declaredBy: by,
        lead: by.platform === 'system' ? null : by,
        platform,
        invocationId,
        from: null,
      });
      return { id: d.incident.id, where: d.incident.channel?.name ?? null, problems: [...(d.channelProblem ? [d.channelProblem] : []), ...d.problems] };
    },
    async resolve(id, by, invocationId, note) {
      const r = await changeStatus({ deps, actor: by, invocationId, channel: { platform: by.platform, id: '', name: 'drill' } }, id, 'resolved', note ?? 'The drill is over.');
      return { problem: r.ok ? (r.reply.status === 'warning' ? (r.reply.context ?? null) : null) : (r.reply.text ?? r.reply.title) };
    },
  };
}
