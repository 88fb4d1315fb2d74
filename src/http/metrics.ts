import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CommandMetrics } from '../core/ports.js';
import type { AlertWebhookMetrics } from './alert-webhooks.js';

export class PromMetrics implements CommandMetrics, AlertWebhookMetrics {
  readonly registry = new Registry();
  private readonly commands: Counter<'command' | 'outcome'>;
  private readonly duration: Histogram<'command'>;
  private readonly alerts: Counter<'source'>;

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
    this.alerts = new Counter({
      name: 'firebreak_alerts_received_total',
      help: 'Alerts received in webhook notifications, by source (repeats included)',
      labelNames: ['source'],
      registers: [this.registry],
    });
  }

  alertsReceived(source: string, count: number): void {
    this.alerts.inc({ source }, count);
  }

  observeCommand(command: string, outcome: string, seconds: number): void {
    this.commands.inc({ command, outcome });
    this.duration.observe({ command }, seconds);
  }
}
