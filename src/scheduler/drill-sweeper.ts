import type { IngestResult } from '../alerts/alert-store.js';
import { DRILL_SWEEP_MS, sweepAbandonedDrills } from '../alerts/drill-sweep.js';
import type { AlertNotification } from '../alerts/model.js';
import type { AlertsPorts } from '../alerts/ports.js';
import type { FirebreakConfig } from '../config/schema.js';
import { PeriodicWorker } from '../core/background-worker.js';
import { drillIncidents } from '../incidents/drill-incident.js';
import type { IncidentsPorts } from '../incidents/ports.js';

/**
 * Drills whose process died mid-drill, found by every replica: a pass at start and every 30 s. A
 * drill group still firing 5 minutes after its drill started is cleaned up by whichever replica's
 * resolution reaches the store first (src/alerts/drill-sweep.ts): its DRILL card shows it resolved,
 * its incident is resolved unless the drill kept it, and one drill.reported event says so. Built on
 * every replica whatever the config: `/drill` needs no configuration.
 */
export class DrillSweeper extends PeriodicWorker {
  readonly name = 'drill sweep';

  constructor(
    private readonly config: FirebreakConfig,
    private readonly ports: AlertsPorts & IncidentsPorts,
    private readonly deps: { ingest: (n: AlertNotification) => Promise<IngestResult> },
    private readonly timing: { everyMs?: number; abandonedAfterMs?: number } = {},
  ) {
    super(timing.everyMs ?? DRILL_SWEEP_MS, { atStart: true, logger: ports.logger, redact: (t) => ports.redactor.redact(t) });
  }

  protected pass(): ReturnType<typeof sweepAbandonedDrills> {
    return sweepAbandonedDrills({
      config: this.config,
      ports: this.ports,
      ingest: this.deps.ingest,
      incidents: drillIncidents(this.config, this.ports),
      ...(this.timing.abandonedAfterMs !== undefined ? { abandonedAfterMs: this.timing.abandonedAfterMs } : {}),
    });
  }
}
