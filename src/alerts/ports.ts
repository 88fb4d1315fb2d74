import type { CorePorts } from '../core/services.js';
import type { AlertStore, IngestResult } from './alert-store.js';
import type { SilencePort } from './silence-port.js';
import type { WatchdogStore } from './watchdog.js';
import type { MaintenanceStore } from './maintenance.js';
import type { OutboxWake } from './outbox-wake.js';

/** What the alerts room uses: the core's ports and its own store. */
export interface AlertsPorts extends CorePorts {
  /** Alert groups and their cards' state (Alertmanager, Grafana, the health watch). */
  alerts: AlertStore;
  /**
   * Run after an alert notification is stored: the incidents' reactions (declare from a route,
   * join an open incident). main.ts builds it from the incidents' ports before these.
   */
  alertReactions?: (result: IngestResult) => Promise<void>;
  /** Alertmanager's silences API; set when alerts.alertmanager_url is configured (the Silence button). */
  silences?: SilencePort;
  /** The Watchdog's last arrival and the silent alert's claim; set when alerts.watchdog is configured. */
  watchdog?: WatchdogStore;
  /** Maintenance windows started by hand and configured occurrences once announced (always set by main.ts). */
  maintenance?: MaintenanceStore;
  /** Counts alerts held back (firebreak_alerts_held_total). */
  alertMetrics?: { alertHeld(reason: string): void };
  /** Wakes this process's alert outbox workers after storing an alert outside the webhooks (/drill); set by main.ts. */
  outboxWake?: OutboxWake;
  /** Times each hop of a drill (firebreak_drill_hop_seconds). */
  drillMetrics?: { drillHop(hop: string, seconds: number): void };
}
