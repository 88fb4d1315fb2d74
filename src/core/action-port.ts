import type { ActionConfig } from '../config/schema.js';

// ── custom actions ──────────────────────────────────────────────────────────

/** Param values of a custom action, already validated against its spec (ints are numbers, bools booleans). Never secrets. */
export type ActionParamValues = { readonly [name: string]: string | number | boolean };

export interface ActionRequest {
  name: string;
  action: ActionConfig;
  values: ActionParamValues;
  /**
   * Secret params (`secret: true`), given privately: they reach the tool through its `env:` only,
   * never argv, a card or the timeline.
   */
  secrets?: Readonly<Record<string, string>>;
  /** Stops the action (its program is killed): shutdown interrupted the step. */
  signal?: AbortSignal;
}

export interface ActionResult {
  ok: boolean;
  /** What ran: the filled argv, or [METHOD, URL] for an HTTP action. Not yet redacted. */
  argv: string[];
  /** The process exit code (argv actions); null for HTTP actions, timeouts and missing programs. */
  exitCode: number | null;
  /** The response status (HTTP actions). */
  httpStatus?: number;
  durationMs: number;
  /**
   * Trimmed stdout/stderr or response body; with output filters, what they leave of stdout or the
   * body (and stderr when it failed). Not yet redacted: the core redacts on the way out.
   */
  output: string;
  /** The action's output filters were applied to `output`. */
  filtered?: boolean;
  /** One sentence when it did not succeed. */
  problem?: string;
}

/** Runs the config's custom actions (argv or HTTP templates). The only thing that performs them. */
export interface ActionRunner {
  /** The exact command line or request line `run` would perform, for the confirmation card. */
  describe(req: ActionRequest): string[];
  /** One sentence when these values cannot be sent safely (a URL path segment they would make "." or ".."); null when they can. */
  refusal(req: ActionRequest): string | null;
  run(req: ActionRequest): Promise<ActionResult>;
}
