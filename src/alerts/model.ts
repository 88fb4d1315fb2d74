/**
 * The alert domain's own model: what every source (Alertmanager, Grafana, Firebreak's health
 * watch) is turned into, and what the store keeps. Platform-free; the card is rendered from it.
 */
/** `drill`: a synthetic alert of /drill or drills: (src/alerts/drill-alert.ts). */
export type AlertSource = 'alertmanager' | 'grafana' | 'watch' | 'drill';
export type AlertStatus = 'firing' | 'resolved';

/** One alert of a notification, normalized. */
export interface IncomingAlert {
  /** Alertmanager's fingerprint, Grafana's fingerprint, or the watch check's name: stable per alert. */
  fingerprint: string;
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: Date;
  /**
   * The sender's startsAt was no real time (before 1970, year 10000 on): startsAt is when Firebreak
   * received it, and a later notification keeps the start first stored.
   */
  startsAtUnknown?: boolean;
  /** Null while firing (Alertmanager sends 0001-01-01 for "unset"). */
  endsAt: Date | null;
  generatorUrl: string | null;
  /** Grafana: dashboard, panel and silence links, values ("B=97.3"). */
  dashboardUrl?: string | null;
  panelUrl?: string | null;
  silenceUrl?: string | null;
  values?: Record<string, number> | null;
}

/** One webhook delivery (or one watch transition), normalized. */
export interface AlertNotification {
  source: AlertSource;
  /** Alertmanager's groupKey; Grafana's groupKey; "watch:<check>" for the health watch. */
  groupKey: string;
  /** The group's status as the sender sees it: firing while any alert fires. */
  status: AlertStatus;
  receiver: string | null;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  /** Never part of the dedupe key: HA pairs send the same notification with different externalURLs. */
  externalUrl: string | null;
  alerts: IncomingAlert[];
}

export interface Acknowledgement {
  by: { platform: string; id: string; name: string };
  at: Date;
}

/** A group as stored: one card per group, updated in place. */
export interface AlertGroup {
  id: string;
  groupKey: string;
  source: AlertSource;
  status: AlertStatus;
  alertname: string;
  /** The `service` label, when it names something (a configured service gets Status/Restart/Rollback). */
  service: string | null;
  severity: string | null;
  /** Where its card goes (route channel or alerts.channel or chat.incidents_channel), by name. */
  channel: string;
  /** Index of the matched route in alerts.routes, or null. */
  route: number | null;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  firstFiredAt: Date;
  lastChangeAt: Date;
  resolvedAt: Date | null;
  acknowledged: Acknowledgement | null;
  /** Alertmanager silence id from the Silence button, and until when. */
  silence: { id: string; until: Date; by: string } | null;
  /** Escalation steps already done (indexes into alerts.escalation). */
  escalated: number[];
  /** The incident this group opened or belongs to (incidents, a later issue). */
  incidentId: string | null;
  /** The maintenance window its alerts were last held by (the card's 🔧 mark); absent or null: never held. */
  maintenance?: { id: string; reason: string; until: Date } | null;
  /** Which firing this is: 1, then one more each time it fires again after resolving (absent: 1). */
  episode?: number;
  /** Its diagnosis on arrival (a route's `diagnose:`) for this firing, when one was decided (src/alerts/diagnosis.ts). */
  diagnosis?: { state: DiagnosisState; note: string | null } | null;
  /** Bumped on every change: the card renders the latest, and the outbox knows it is stale. */
  version: number;
  firingCount: number;
  resolvedCount: number;
}

/** An alert of a group as stored (latest state per fingerprint): what came in, links settled, and how often. */
export interface StoredAlert extends Omit<IncomingAlert, 'startsAtUnknown' | 'dashboardUrl' | 'panelUrl' | 'silenceUrl' | 'values'> {
  dashboardUrl: string | null;
  panelUrl: string | null;
  values: Record<string, number> | null;
  /** How many notifications carried it. */
  seen: number;
}

/**
 * What became of a group's diagnosis on arrival: running, done, failed (a step failed), storm (the
 * storm limit), skipped (a label could not be a param), interrupted (its replica stopped mid-run).
 */
export type DiagnosisState = 'running' | 'done' | 'failed' | 'storm' | 'skipped' | 'interrupted';
