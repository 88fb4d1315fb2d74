import type { ButtonHandler } from '../../core/button-handlers.js';
import { parseSeverity, type Severity } from '../model.js';
import { declaredReply, declareIncident } from '../declare.js';
import { finishClick } from './button-outcome.js';

/**
 * `inc-open:<alertGroupId>` (Open incident on an alert card): declares the incident for that alert
 * group, titled and rated from the alert. The source is the group, so clicking twice, two people
 * clicking, or two replicas handling the clicks open one incident.
 */
export const openIncidentButton: ButtonHandler = {
  prefix: 'inc-open',
  kind: 'handler',
  metricLabel: '(incident open)',
  async handle(click, env) {
    const group = /^\d{1,18}$/.test(click.arg) ? await env.ports.alerts.get(click.arg) : null;
    if (!group) {
      return finishClick(click, env, 'Open incident', {
        status: 'invalid',
        reply: { title: 'Unknown alert', status: 'error', text: `Alert group ${click.arg} is not in the store (any more); declare with /incident declare "title".`, ephemeral: true },
      });
    }
    const route = group.route !== null ? env.config.alerts.routes[group.route] : undefined;
    const severity: Severity = parseSeverity(route?.incident ?? '') ?? parseSeverity(group.severity ?? '') ?? severityFromLabel(group.severity) ?? env.config.incidents.default_severity;
    const summary = group.commonAnnotations.summary ?? group.commonAnnotations.title;
    const title = `${group.alertname}${group.service ? ` on ${group.service}` : ''}${summary ? `: ${summary}` : ''}`.slice(0, 150);
    const d = await declareIncident(
      { config: env.config, ports: env.ports },
      {
        source: `alert-group:${group.id}`,
        title,
        severity,
        service: group.service,
        alertGroups: [group.id],
        declaredBy: click.inv.actor,
        lead: click.inv.actor,
        platform: click.inv.channel.platform,
        invocationId: click.invocationId,
        from: click.inv.channel,
      },
    );
    const { reply, placement } = declaredReply(d, click.inv.actor, env.config);
    return finishClick(click, env, 'Open incident', { status: 'ok', reply, placement, incidentId: d.incident.id });
  },
};

/** Alertmanager's usual severity labels: critical → SEV1, error/major → SEV2, warning → SEV3, info → SEV4. */
function severityFromLabel(label: string | null): Severity | null {
  switch ((label ?? '').toLowerCase()) {
    case 'critical':
    case 'page':
      return 'sev1';
    case 'error':
    case 'major':
    case 'high':
      return 'sev2';
    case 'warning':
    case 'minor':
      return 'sev3';
    case 'info':
    case 'low':
      return 'sev4';
    default:
      return null;
  }
}
