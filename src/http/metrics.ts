import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CommandMetrics } from '../core/ports.js';
import type { AlertWebhookMetrics } from './alert-webhooks.js';

export class PromMetrics implements CommandMetrics, AlertWebhookMetrics {
  readonly registry = new Registry();
  private readonly commands: Counter<'command' | 'outcome'>;
  private readonly duration: Histogram<'command'>;
  private readonly chatMessages: Counter<'platform' | 'op'>;
  private readonly rateLimited: Counter<'platform'>;
  /** Read at each scrape from the store, so every replica reports the same number. */
  private firingGroups: (() => Promise<number>) | null = null;
  private readonly alerts: Counter<'source'>;
  private watchdogSeen: (() => Promise<{ alertname: string; seconds: number }[]>) | null = null;
  private readonly held: Counter<'reason'>;
  private readonly diagnoses: Counter<'outcome'>;
  private readonly drillHops: Histogram<'hop'>;
  /** Read at each scrape from the store: what every replica and every in-process CLI recorded. */
  private recordedCommands: (() => Promise<{ command: string; outcome: string; count: number }[]>) | null = null;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.commands = new Counter({
      name: 'firebreak_commands_total',
      help: 'Commands and button actions handled, by command and outcome',
      labelNames: ['command', 'outcome'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'firebreak_command_duration_seconds',
      help: 'Time from receiving a command to its final reply',
      labelNames: ['command'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [this.registry],
    });
    this.chatMessages = new Counter({
      name: 'firebreak_chat_messages_total',
      help: 'Alert cards and storm digests shown, by platform and op: post (a new message), update (edited in place), skip (it already showed that)',
      labelNames: ['platform', 'op'],
      registers: [this.registry],
    });
    this.rateLimited = new Counter({
      name: 'firebreak_chat_rate_limited_total',
      help: 'Chat API calls held back by a rate limit (a 429 from Slack, a spent Discord bucket), by platform; each was waited out and sent',
      labelNames: ['platform'],
      registers: [this.registry],
    });
    this.alerts = new Counter({
      name: 'firebreak_alerts_received_total',
      help: 'Alerts received in webhook notifications, by source (repeats included)',
      labelNames: ['source'],
      registers: [this.registry],
    });
    this.held = new Counter({
      name: 'firebreak_alerts_held_total',
      help: 'Alert groups whose escalation, paging and incident were held back, by reason (maintenance: a maintenance window of their service)',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.diagnoses = new Counter({
      name: 'firebreak_diagnoses_total',
      help: "Alert groups' diagnoses (a route's diagnose:), by outcome: ok, failed (a step failed), skipped (a label could not be a param, or the procedure would not run), error, storm (not run: alerts.diagnose's limit), interrupted (its replica stopped mid-run)",
      labelNames: ['outcome'],
      registers: [this.registry],
    });
    this.drillHops = new Histogram({
      name: 'firebreak_drill_hop_seconds',
      help: 'How long each hop of a drill (/drill, drills:) took, by hop: stored, card_posted, escalation_step, incident_declared, alert_resolved, card_resolved, incident_resolved',
      labelNames: ['hop'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
    const watchdog = () => this.watchdogSeen;
    new Gauge({
      name: 'firebreak_watchdog_last_seen_seconds',
      help: "When alerts.watchdog's always-firing alert last reached Firebreak (Unix seconds; when watching began, before the first one), by alertname",
      labelNames: ['alertname'],
      registers: [this.registry],
      async collect() {
        const read = watchdog();
        if (!read) return;
        try {
          for (const w of await read()) this.set({ alertname: w.alertname }, w.seconds);
        } catch {
          /* kept */
        }
      },
    });
    const recorded = () => this.recordedCommands;
    new Gauge({
      // A gauge, though it only grows: its value is read whole from the store, not counted here.
      name: 'firebreak_commands_recorded',
      help: 'Commands and button actions recorded on the timeline by any replica or CLI (a firebreak run in-process on the same database included), by command and outcome; read from the store',
      labelNames: ['command', 'outcome'],
      registers: [this.registry],
      async collect() {
        const read = recorded();
        if (!read) return;
        try {
          const rows = await read();
          this.reset();
          for (const r of rows) this.set({ command: r.command, outcome: r.outcome }, r.count);
        } catch {
          /* the last values are kept */
        }
      },
    });
    const firing = () => this.firingGroups;
    new Gauge({
      name: 'firebreak_alert_groups_firing',
      help: 'Alert groups firing now (across every replica: read from the store)',
      registers: [this.registry],
      async collect() {
        const read = firing();
        // A store that does not answer leaves the last value rather than failing the whole scrape.
        if (!read) return;
        try {
          this.set(await read());
        } catch {
          /* kept */
        }
      },
    });
  }

  /** Read at each scrape from the store (migration 160), so every replica reports the same time. */
  observeWatchdog(read: () => Promise<{ alertname: string; seconds: number }[]>): void {
    this.watchdogSeen = read;
  }

  /** One hop of a drill completed (src/alerts/drill.ts). */
  drillHop(hop: string, seconds: number): void {
    this.drillHops.observe({ hop }, seconds);
  }

  /** A diagnosis decided or ended (src/scheduler/alert-diagnoser.ts, /diagnose). */
  diagnosis(outcome: string): void {
    this.diagnoses.inc({ outcome });
  }

  /** An alert held back from escalation, paging or an incident: `reason` is "maintenance". */
  alertHeld(reason: string): void {
    this.held.inc({ reason });
  }

  chatMessage(platform: string, op: 'post' | 'update' | 'skip'): void {
    this.chatMessages.inc({ platform, op });
  }

  chatRateLimited(platform: string): void {
    this.rateLimited.inc({ platform });
  }

  observeAlertGroupsFiring(read: () => Promise<number>): void {
    this.firingGroups = read;
  }

  observeRecordedCommands(read: () => Promise<{ command: string; outcome: string; count: number }[]>): void {
    this.recordedCommands = read;
  }

  alertsReceived(source: string, count: number): void {
    this.alerts.inc({ source }, count);
  }

  observeCommand(command: string, outcome: string, seconds: number): void {
    this.commands.inc({ command, outcome });
    this.duration.observe({ command }, seconds);
  }
}
