/* @jsxRuntime automatic */
/* @jsxImportSource preact */
// The pragmas make this file compile the same wherever tsx runs from (it reads tsconfig.json only from the working directory).
import type { ServerResponse } from 'node:http';
import { maskDraftInput } from '../postmortems/masked-draft-input.js';
import { buildDraft } from '../postmortems/draft-markdown.js';
import { keyTimes } from '../postmortems/key-times.js';
import { responseMetrics, type MeasuredIncident } from '../postmortems/response-metrics.js';
import { checkAccess, linkFrom, type Access } from '../web/access.js';
import { AlertsPage } from '../web/alerts-page.js';
import { ASSETS, fragment, page, securityHeaders, type PageResponse } from '../web/html.js';
import { applyFilters, IncidentsPage, type IncidentFilters } from '../web/incidents-page.js';
import { Layout } from '../web/layout.js';
import type { WebSources } from '../web/ports.js';
import { PostmortemPage } from '../web/postmortem-page.js';
import { postmortemPath, timelinePath } from '../web/signed-links.js';
import { statusFeed } from '../web/status-feed.js';
import { MAINTENANCE_AHEAD_DAYS, statusJson, statusModel, STATUS_DAYS } from '../web/status-model.js';
import { StatusPage } from '../web/status-page.js';
import { TimelinePage, TimelineRow } from '../web/timeline-page.js';
import type { HttpRequest, HttpResponse, Router } from './router.js';

type Req = HttpRequest & { params: Record<string, string> };

const eventsPath = (id: string) => `${timelinePath(id)}/events`;
const previewPath = (id: string) => `${timelinePath(id)}/postmortem`;

/** The most incidents read for the list and the 90-day metrics: far more than a small team has. */
const HISTORY_LIMIT = 500;

function message(status: number, title: string, text: string, privatePage = true): PageResponse {
  return page(
    status,
    <Layout title={title}>
      <h1>{title}</h1>
      <p>{text}</p>
    </Layout>,
    { private: privatePage },
  );
}

/**
 * The pages: private ones (an incident's timeline and its live stream, the post-mortem preview, the
 * incidents list with response metrics, the firing alerts) open with a signed link or the trusted
 * proxy header; the status page is public and only there when `web.status_page.enabled`.
 */
export function registerWebRoutes(router: Router, deps: WebSources): void {
  const now = deps.now ?? (() => new Date());
  const trusted = deps.config.web.auth.trusted_header;

  router.add('GET', '/assets/:file', async (req): Promise<HttpResponse> => {
    const asset = ASSETS[req.params.file ?? ''];
    if (!asset) return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'no such file\n' };
    return { status: 200, headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' }, body: asset.body };
  });

  /** The access check of a private page: 403 with one sentence, or who is looking and the secret to sign onward links. */
  async function guard(req: Req): Promise<{ access: Access & { ok: true }; secret: string } | HttpResponse> {
    let secret: string;
    try {
      secret = await deps.secret();
    } catch (err) {
      deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'link secret unavailable');
      return message(503, 'Try again in a minute', 'Firebreak cannot read its link secret from the store right now.');
    }
    const access = checkAccess(req, secret, now(), trusted);
    if (!access.ok) return message(403, 'This link does not open this page', access.message);
    // The proxy's user is recorded with what they opened; a signed link's holder is anonymous.
    if (access.via === 'trusted-header') deps.logger.info({ viewer: access.viewer, path: req.path.slice(0, 200) }, 'web page opened');
    return { access, secret };
  }
  const isResponse = (g: Awaited<ReturnType<typeof guard>>): g is HttpResponse => 'status' in g;

  const navOf = (access: Access & { ok: true }, secret: string) => [
    { label: 'Incidents', href: linkFrom(access, '/incidents', secret) },
    { label: 'Alerts', href: linkFrom(access, '/alerts', secret) },
  ];
  const viewerOf = (access: Access & { ok: true }) => (access.via === 'trusted-header' ? access.viewer : null);

  router.add('GET', '/incidents/:id', async (req) => {
    const g = await guard(req);
    if (isResponse(g)) return g;
    const id = req.params.id ?? '';
    const loaded = await deps.drafts.load(id);
    if (!loaded) return message(404, 'No such incident', `There is no incident ${id.slice(0, 60)} in this Firebreak.`);
    const input = maskDraftInput(loaded, deps.redactor);
    return page(
      200,
      <TimelinePage
        input={input}
        viewer={viewerOf(g.access)}
        links={{
          postmortem: linkFrom(g.access, previewPath(input.incident.id), g.secret),
          markdown: linkFrom(g.access, postmortemPath(input.incident.id), g.secret),
          events: linkFrom(g.access, eventsPath(input.incident.id), g.secret),
          incidents: linkFrom(g.access, '/incidents', g.secret),
          alerts: linkFrom(g.access, '/alerts', g.secret),
        }}
      />,
    );
  });

  router.add('GET', '/incidents/:id/events', async (req, res) => {
    const g = await guard(req);
    if (isResponse(g)) return g;
    const id = req.params.id ?? '';
    const first = await deps.drafts.load(id);
    if (!first) return message(404, 'No such incident', `There is no incident ${id.slice(0, 60)} in this Firebreak.`);
    const fromHeader = Number(req.headers['last-event-id']);
    const fromQuery = Number(req.query.get('after'));
    const after = Number.isSafeInteger(fromHeader) && fromHeader > 0 ? fromHeader : Number.isSafeInteger(fromQuery) && fromQuery > 0 ? fromQuery : 0;
    streamEvents(res, deps, id, after, g.access.via === 'signature' ? g.access.expiresAt : null, now);
  });

  router.add('GET', '/incidents/:id/postmortem', async (req) => {
    const g = await guard(req);
    if (isResponse(g)) return g;
    const id = req.params.id ?? '';
    const loaded = await deps.drafts.load(id);
    if (!loaded) return message(404, 'No such incident', `There is no incident ${id.slice(0, 60)} in this Firebreak.`);
    const input = maskDraftInput(loaded, deps.redactor);
    const tickets = await deps.tickets.list(input.incident.id).catch(() => []);
    return page(
      200,
      <PostmortemPage
        incidentId={input.incident.id}
        title={input.incident.title}
        markdown={buildDraft(input)}
        tickets={tickets}
        viewer={viewerOf(g.access)}
        links={{
          timeline: linkFrom(g.access, timelinePath(input.incident.id), g.secret),
          markdown: linkFrom(g.access, postmortemPath(input.incident.id), g.secret),
          incidents: linkFrom(g.access, '/incidents', g.secret),
        }}
      />,
    );
  });

  router.add('GET', '/incidents', async (req) => {
    const g = await guard(req);
    if (isResponse(g)) return g;
    const at = now();
    const history = deps.redactor.redactValue(await deps.history.listSince(new Date(at.getTime() - 90 * 86_400_000), HISTORY_LIMIT));
    // Each incident's key times come from its own timeline, exactly as its post-mortem computes them.
    const measured: MeasuredIncident[] = [];
    for (const incident of history) {
      const input = await deps.drafts.load(incident.id);
      if (input) measured.push({ incident, keyTimes: keyTimes(input) });
    }
    const status = req.query.get('status');
    const filters: IncidentFilters = {
      ...(status === 'open' || status === 'resolved' ? { status } : {}),
      ...(req.query.get('severity') ? { severity: req.query.get('severity')! } : {}),
      ...(req.query.get('service') ? { service: req.query.get('service')! } : {}),
    };
    const services = [...new Set(history.map((i) => i.service).filter((s): s is string => s !== null))].sort();
    const exp = req.query.get('exp');
    const sig = req.query.get('sig');
    return page(
      200,
      <IncidentsPage
        incidents={applyFilters(history, filters)}
        filters={filters}
        services={services}
        metrics={[responseMetrics(measured, at, 30), responseMetrics(measured, at, 90)]}
        now={at}
        viewer={viewerOf(g.access)}
        linkOf={(id) => linkFrom(g.access, timelinePath(id), g.secret)}
        signature={g.access.via === 'signature' && exp && sig ? { exp, sig } : null}
        nav={navOf(g.access, g.secret)}
      />,
    );
  });

  router.add('GET', '/alerts', async (req) => {
    const g = await guard(req);
    if (isResponse(g)) return g;
    const firing = deps.redactor.redactValue(await deps.alerts.firing({ limit: 10_000 }));
    return page(200, <AlertsPage firing={firing} now={now()} viewer={viewerOf(g.access)} nav={navOf(g.access, g.secret)} />);
  });

  // The public status page: no signature, nothing but what was published.
  const statusOff = () => message(404, 'No status page', 'This Firebreak has no public status page (web.status_page.enabled is false).', false);
  const model = async () => {
    const at = now();
    const [watched, published, windows] = await Promise.all([
      deps.healthWatch.list(),
      deps.publicUpdates.incidentsSince(new Date(at.getTime() - STATUS_DAYS * 86_400_000)),
      deps.maintenance.between(at, new Date(at.getTime() + MAINTENANCE_AHEAD_DAYS * 86_400_000)),
    ]);
    return statusModel(deps.config.web, watched, published, at, STATUS_DAYS, { config: deps.config.maintenance, windows });
  };
  router.add('GET', '/status', async () => {
    if (!deps.config.web.status_page.enabled) return statusOff();
    return page(200, <StatusPage model={await model()} />, { private: false });
  });
  router.add('GET', '/status.json', async () => {
    if (!deps.config.web.status_page.enabled) return statusOff();
    return { status: 200, headers: { ...securityHeaders(false), 'content-type': 'application/json; charset=utf-8', 'access-control-allow-origin': '*' }, body: JSON.stringify(statusJson(await model())) };
  });
  router.add('GET', '/status/feed.xml', async () => {
    if (!deps.config.web.status_page.enabled) return statusOff();
    return { status: 200, headers: { ...securityHeaders(false), 'content-type': 'application/atom+xml; charset=utf-8' }, body: statusFeed(await model(), deps.publicUrl) };
  });
}

/**
 * Server-Sent Events for one incident: each new timeline row, rendered like the page's rows. The
 * store is polled (PGlite has no cross-connection LISTEN); every row has its id as the SSE id, so a
 * reconnecting browser resumes after the last row it got. Ends when the link expires or the client goes.
 */
function streamEvents(res: ServerResponse, deps: WebSources, incidentId: string, after: number, expiresAt: Date | null, now: () => Date): void {
  res.writeHead(200, { ...securityHeaders(true), 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write('retry: 3000\n\n');
  let last = after;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let sinceBeat = 0;
  const pollMs = deps.pollMs ?? 2000;
  const stop = () => {
    closed = true;
    if (timer) clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  res.on('close', stop);
  const tick = async () => {
    if (closed) return;
    if (expiresAt && now() >= expiresAt) return stop();
    try {
      const input = await deps.drafts.load(incidentId);
      const fresh = (input?.events ?? []).filter((e) => e.id > last).sort((a, b) => a.id - b.id);
      for (const e of fresh) {
        // SSE data lines cannot hold a newline: the HTML goes as one line per data: field.
        const html = fragment(<TimelineRow e={e} />);
        res.write(`id: ${e.id}\nevent: row\n${html.split('\n').map((l) => `data: ${l}`).join('\n')}\n\n`);
        last = Math.max(last, e.id);
      }
      sinceBeat += pollMs;
      if (fresh.length === 0 && sinceBeat >= 15_000) {
        res.write(': still here\n\n');
        sinceBeat = 0;
      }
    } catch (err) {
      deps.logger.warn({ incident: incidentId, err: err instanceof Error ? err.message : String(err) }, 'live timeline poll failed; trying again');
    }
    if (!closed) timer = setTimeout(() => void tick(), pollMs);
  };
  void tick();
}
