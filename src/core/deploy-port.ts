import type { ServiceConfig } from '../config/schema.js';

// ── deploys (/status, /rollback, /scale, /restart) ─────────────────────────

export type DeployConfig = NonNullable<ServiceConfig['deploy']>;

/** A service as the deploy port sees it: its config name and how it is deployed. */
export interface DeployTarget {
  service: string;
  deploy: DeployConfig;
}

export interface DeployRevision {
  revision: number;
  image: string | null;
  changeCause: string | null;
  createdAt: string | null;
}

export interface DeployPod {
  name: string;
  ready: boolean;
  restarts: number;
  /** "Running", or why it is not: CrashLoopBackOff, ImagePullBackOff, Pending… */
  state: string;
}

export interface DeployState {
  /** Where it lives, e.g. "deployment conduit-api in namespace conduit (context prod-eu)". */
  target: string;
  revision: number | null;
  image: string | null;
  replicas: number | null;
  ready: number | null;
  updated: number | null;
  /** Newest first; empty when the deploy kind keeps no history. */
  history: DeployRevision[];
  /** The pods behind it (kubernetes kind), when they could be read: what crash-loops shows here. */
  pods?: DeployPod[];
  /** What a status command printed (commands kind). Not yet redacted. */
  output?: string;
}

export type DeployOperation =
  /** toRevision null: the deploy tool's own "previous" (commands kind without {revision}). */
  | { kind: 'rollback'; toRevision: number | null }
  /** expectCurrent: refuse if the replica count changed since the card was shown. */
  | { kind: 'scale'; replicas: number; expectCurrent?: number | null }
  | { kind: 'restart' };

export type DeployReadResult = { ok: true; state: DeployState } | { ok: false; problem: string; argv: string[] };

export interface DeployRunResult {
  ok: boolean;
  /** The operation's command as confirmed (not the follow-up rollout status). Not yet redacted. */
  argv: string[];
  exitCode: number | null;
  durationMs: number;
  /** Trimmed output of the operation and its rollout wait. Not yet redacted. */
  output: string;
  /** One sentence when it did not succeed. */
  problem?: string;
  /** The state after the rollout settled, when it could be read. */
  state?: DeployState;
}

/** What /logs asks for: the last lines of a service's pods. */
export interface LogsQuery {
  /** Only lines newer than this many seconds; null: as far back as the per-pod line cap reaches. */
  sinceS: number | null;
  /** The previous container of each pod (the one that crashed), as `kubectl logs --previous`. */
  previous: boolean;
  /** A pattern the caller checked with compileUserRegex (src/core/output-filters.ts); null: every line. */
  grep: string | null;
}

export type LogsResult =
  | {
      ok: true;
      /** The kubectl command that read them. Not yet redacted. */
      argv: string[];
      /** The lines read (after grep), each cut to a bounded length. Not yet redacted. */
      lines: string[];
      /** Lines read before grep. */
      read: number;
    }
  | { ok: false; argv: string[]; problem: string };

/** Reads and changes deployed services (kubectl or configured commands). The only thing that does. */
export interface DeployPort {
  status(target: DeployTarget): Promise<DeployReadResult>;
  /** The exact command `execute` will run, or null when this service has no command for it. */
  describe(target: DeployTarget, op: DeployOperation): string[] | null;
  /** Runs the operation and waits for the rollout to settle; each output line goes to onLine. */
  execute(target: DeployTarget, op: DeployOperation, onLine: (line: string) => void): Promise<DeployRunResult>;
  /** The recent log lines of a service's pods (kubernetes kind only; otherwise a problem saying so). */
  logs(target: DeployTarget, q: LogsQuery): Promise<LogsResult>;
}
