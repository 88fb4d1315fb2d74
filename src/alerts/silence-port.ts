/**
 * Silencing alerts at their source (Alertmanager API v2). The Silence button depends on this port;
 * src/integrations/alertmanager implements it and main.ts wires it when alerts.alertmanager_url is set.
 * In the alerts room, not the core: nothing but alerts silences anything.
 */
export interface SilenceRequest {
  /** Label name → exact value; every alert carrying all of them is silenced. At least one. */
  matchers: Readonly<Record<string, string>>;
  startsAt: Date;
  endsAt: Date;
  /** Who asked (the actor's display name), shown in Alertmanager's UI. */
  createdBy: string;
  comment: string;
}

export type SilenceResult =
  | { ok: true; id: string }
  /** One sentence a person can act on; already free of credentials. */
  | { ok: false; problem: string };

export interface SilencePort {
  /** Where silences are made, without credentials (for replies): "alertmanager.example:9093". */
  readonly target: string;
  create(req: SilenceRequest): Promise<SilenceResult>;
}
