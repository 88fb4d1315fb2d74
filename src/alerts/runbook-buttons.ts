/**
 * The runbook buttons of an alert group: the route's `actions` ("disable-provider
 * provider={{labels.provider}}") with their placeholders filled from the alert, the service's own
 * custom actions, and Status / Restart / Rollback when the `service` label names a configured
 * service. Each is a command button carrying the group (`act:42 /run …`, `act:42 /rollback api`), so pressing it goes
 * through the same roles, confirmation card and lease as typing it; its answer goes in the card's
 * thread (see buttons/act-button.ts), so the card itself stays, and it counts for the group's incident.
 */
import { checkParamValues } from '../core/action-params.js';
import type { FirebreakConfig } from '../config/schema.js';
import type { ReplyButton } from '../core/reply.js';
import { cut } from '../core/text-format.js';
import { actActionId } from './buttons/act-button.js';
import type { AlertGroup, StoredAlert } from './model.js';

/** ReplyButton.actionId promises ≤ 90 characters (Discord's custom_id is 100 with our prefix). */
export const MAX_ACTION_ID = 90;
/** A label value becomes one word of a typed command: nothing the chat parser would split or a tool could take for an option. */
const SAFE_VALUE = /^[A-Za-z0-9_.:@/+][A-Za-z0-9_.:@/+-]{0,99}$/;
const PLACEHOLDER = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)(?:\.([a-zA-Z_][a-zA-Z0-9_]*))?\s*\}\}/g;

/** What placeholders may read: the group's common labels first, then the first alert's. */
interface AlertValues {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  group: AlertGroup;
}

function valuesOf(group: AlertGroup, alerts: readonly StoredAlert[]): AlertValues {
  const first = alerts.find((a) => a.status === 'firing') ?? alerts[0];
  return {
    labels: { ...(first?.labels ?? {}), ...group.commonLabels },
    annotations: { ...(first?.annotations ?? {}), ...group.commonAnnotations },
    group,
  };
}

function lookup(v: AlertValues, scope: string, name: string | undefined): string | undefined {
  if (name === undefined) {
    if (scope === 'service') return v.group.service ?? undefined;
    if (scope === 'alertname') return v.group.alertname;
    if (scope === 'severity') return v.group.severity ?? undefined;
    return v.labels[scope];
  }
  if (scope === 'labels') return v.labels[name];
  if (scope === 'annotations') return v.annotations[name];
  return undefined;
}

/** The template with every {{…}} filled, or null when one cannot be filled with a safe value. */
export function fillTemplate(template: string, v: AlertValues): string | null {
  let missing = false;
  const filled = template.replace(PLACEHOLDER, (_m, scope: string, name: string | undefined) => {
    const value = lookup(v, scope, name);
    if (value === undefined || !SAFE_VALUE.test(value)) missing = true;
    return value ?? '';
  });
  return missing || filled.includes('{{') ? null : filled;
}

/** "/run disable-provider provider=openai" from a route action, or null when it cannot be offered. */
function routeActionCommand(config: FirebreakConfig, template: string, v: AlertValues): { text: string; label: string } | null {
  const filled = fillTemplate(template, v);
  if (filled === null) return null;
  const [name = '', ...words] = filled.trim().split(/\s+/);
  const action = config.actions[name];
  if (!action) return null;
  const given = new Map<string, string>();
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) return null;
    given.set(w.slice(0, eq), w.slice(eq + 1));
  }
  // A button that could only answer "provider must be one of …" is not worth showing.
  if (!checkParamValues(name, action, given).ok) return null;
  return { text: ['/run', name, ...words].join(' '), label: [name, ...[...given.values()]].join(' ') };
}

/** A service's own custom action, its params filled from labels of the same name. */
function serviceActionCommand(config: FirebreakConfig, name: string, v: AlertValues): { text: string; label: string } | null {
  const action = config.actions[name];
  if (!action) return null;
  const given = new Map<string, string>();
  for (const param of Object.keys(action.params)) {
    const value = v.labels[param];
    if (value !== undefined && SAFE_VALUE.test(value)) given.set(param, value);
  }
  if (!checkParamValues(name, action, given).ok) return null;
  return { text: ['/run', name, ...[...given].map(([k, val]) => `${k}=${val}`)].join(' '), label: [name, ...given.values()].join(' ') };
}

/** The configured service the group's `service` label names (config keys are lowercase). */
export function configuredService(config: FirebreakConfig, group: Pick<AlertGroup, 'service'>): string | null {
  const key = group.service?.toLowerCase();
  return key !== undefined && Object.hasOwn(config.services, key) ? key : null;
}

/** The runbook buttons, in order: route actions, service actions, Status, Restart, Rollback. */
export function runbookButtons(config: FirebreakConfig, group: AlertGroup, alerts: readonly StoredAlert[]): ReplyButton[] {
  const v = valuesOf(group, alerts);
  const out: ReplyButton[] = [];
  const add = (text: string, label: string, style?: ReplyButton['style']) => {
    const actionId = actActionId(group.id, text);
    if (actionId.length > MAX_ACTION_ID || out.some((b) => b.actionId === actionId)) return;
    out.push({ actionId, label: cut(label, 60), ...(style ? { style } : {}) });
  };
  const route = group.route === null ? undefined : config.alerts.routes[group.route];
  for (const template of route?.actions ?? []) {
    const cmd = routeActionCommand(config, template, v);
    if (cmd) add(cmd.text, cmd.label);
  }
  const service = configuredService(config, group);
  const svc = service === null ? undefined : config.services[service];
  if (service !== null && svc) {
    for (const name of svc.actions) {
      const cmd = serviceActionCommand(config, name, v);
      if (cmd) add(cmd.text, cmd.label);
    }
    const deploy = svc.deploy;
    if (deploy) {
      add(`/status ${service}`, `Status ${service}`);
      if (deploy.kind === 'kubernetes' || deploy.restart) add(`/restart ${service}`, `Restart ${service}`);
      if (deploy.kind === 'kubernetes' || deploy.rollback) add(`/rollback ${service}`, `Roll back ${service}`, 'danger');
    }
  }
  return out;
}
