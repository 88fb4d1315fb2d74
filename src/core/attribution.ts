import type { FirebreakConfig } from '../config/schema.js';
import type { Reply } from './reply.js';
import type { AnyCommandSpec } from './spec.js';
import type { CorePorts } from './services.js';

/** The service a mutating command acts on: its spec's own answer, else its `service` argument. */
export function serviceOf<P extends CorePorts>(spec: AnyCommandSpec<P>, args: unknown, config: FirebreakConfig): string | null {
  if (spec.serviceOf) return spec.serviceOf(args, config);
  if (typeof args !== 'object' || args === null || !('service' in args)) return null;
  const service = (args as { service?: unknown }).service;
  return typeof service === 'string' && service !== '' ? service : null;
}

/** "INC-42", "inc-42" or "42" → "INC-42"; null for anything else. */
export function normalizeIncidentId(text: string): string | null {
  const m = /^(?:inc-)?(\d{1,9})$/i.exec(text.trim());
  return m ? `INC-${Number(m[1])}` : null;
}

/** Says, in the reply's small print, that work done outside the incident counted for it. */
export function withRecordedIn(reply: Reply, incidentId: string): Reply {
  return { ...reply, context: [reply.context, `recorded in ${incidentId}`].filter(Boolean).join(' · ') };
}
