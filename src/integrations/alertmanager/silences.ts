import { z } from 'zod';
import type { SilencePort, SilenceRequest, SilenceResult } from '../../alerts/silence-port.js';

/** A click waits for this; Alertmanager answers a silence in milliseconds when it is up. */
const DEFAULT_TIMEOUT_MS = 5000;
/** Enough of an error body to say what Alertmanager objected to. */
const MAX_ERROR_CHARS = 200;

const createdSchema = z.object({ silenceID: z.string().min(1) });

/**
 * Creates silences through Alertmanager's API v2 (POST /api/v2/silences). Credentials in the
 * configured URL (http://user:pass@host) become a Basic Authorization header: fetch refuses URLs
 * that carry them, and they must never reach a reply or the timeline.
 */
export class AlertmanagerSilences implements SilencePort {
  readonly target: string;
  private readonly endpoint: string;
  private readonly authorization: string | null;
  private readonly timeoutMs: number;

  constructor(baseUrl: string, opts: { timeoutMs?: number } = {}) {
    const url = new URL(baseUrl);
    this.authorization =
      url.username || url.password ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}` : null;
    url.username = '';
    url.password = '';
    // A path prefix (Alertmanager behind a proxy, --web.route-prefix) is kept: /prefix/api/v2/silences.
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v2/silences`;
    url.search = '';
    url.hash = '';
    this.endpoint = url.toString();
    this.target = url.host;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async create(req: SilenceRequest): Promise<SilenceResult> {
    const matchers = Object.entries(req.matchers)
      .filter(([, value]) => value !== '')
      // By name: the same group always asks for the same silence, however its labels were stored.
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
    if (matchers.length === 0) return { ok: false, problem: 'A silence needs at least one label to match, and this group has none in common; nothing was silenced.' };
    const body = JSON.stringify({ matchers, startsAt: req.startsAt.toISOString(), endsAt: req.endsAt.toISOString(), createdBy: req.createdBy, comment: req.comment });
    let res: Response;
    try {
      res = await fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...(this.authorization ? { authorization: this.authorization } : {}) },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      return { ok: false, problem: this.unreachable(err) };
    }
    const text = await res.text().catch(() => '');
    if (res.status === 401 || res.status === 403) {
      return { ok: false, problem: `Alertmanager at ${this.target} refused the silence with HTTP ${res.status}; check the credentials in alerts.alertmanager_url. Nothing was silenced.` };
    }
    if (!res.ok) {
      return { ok: false, problem: `Alertmanager at ${this.target} refused the silence with HTTP ${res.status}${reason(text)}. Nothing was silenced.` };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    const created = createdSchema.safeParse(parsed);
    if (!created.success) {
      return { ok: false, problem: `Alertmanager at ${this.target} answered HTTP ${res.status} without a silence id; is alerts.alertmanager_url the Alertmanager itself?` };
    }
    return { ok: true, id: created.data.silenceID };
  }

  private unreachable(err: unknown): string {
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return `Alertmanager at ${this.target} did not answer within ${Math.round(this.timeoutMs / 1000)} s; nothing was silenced.`;
    const code = e.cause?.code ?? '';
    if (code === 'ECONNREFUSED') return `Alertmanager at ${this.target} refused the connection (is it running, and is alerts.alertmanager_url right?); nothing was silenced.`;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `Alertmanager's host ${this.target} could not be resolved (DNS); nothing was silenced.`;
    return `The request to Alertmanager at ${this.target} failed (${e.cause?.message ?? e.message ?? String(err)}); nothing was silenced.`;
  }
}

/** ": <first line of the body>" when Alertmanager said why (it answers 400 with plain text). */
function reason(body: string): string {
  let line = body.trim().split('\n')[0] ?? '';
  try {
    const j = JSON.parse(line) as { message?: unknown; error?: unknown };
    const m = typeof j.message === 'string' ? j.message : typeof j.error === 'string' ? j.error : null;
    if (m) line = m;
  } catch {
    // plain text, as Alertmanager sends its validation errors
  }
  line = line.replace(/^"|"$/g, '').trim();
  if (!line) return '';
  return `: ${line.length > MAX_ERROR_CHARS ? `${line.slice(0, MAX_ERROR_CHARS)}…` : line}`;
}
