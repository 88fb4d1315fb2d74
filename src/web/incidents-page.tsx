/* @jsxRuntime automatic */
/* @jsxImportSource preact */
// The pragmas make this file compile the same wherever tsx runs from (it reads tsconfig.json only from the working directory).
import { duration } from '../core/text-format.js';
import type { Incident } from '../incidents/model.js';
import type { ResponseMetrics, Spread } from '../postmortems/response-metrics.js';
import { Layout, Time } from './layout.js';

export interface IncidentFilters {
  status?: 'open' | 'resolved';
  severity?: string;
  service?: string;
}

/** Which incidents the filters keep. Unknown values keep nothing rather than everything. */
export function applyFilters(incidents: readonly Incident[], f: IncidentFilters): Incident[] {
  return incidents.filter(
    (i) =>
      (!f.status || (f.status === 'open' ? i.status !== 'resolved' : i.status === 'resolved')) &&
      (!f.severity || i.severity === f.severity) &&
      (!f.service || i.service === f.service),
  );
}

const ms = (v: number | null) => (v === null ? '—' : duration(v, 'span'));
const cell = (s: Spread) => (s.n === 0 ? '—' : `${ms(s.medianMs)} / ${ms(s.p90Ms)}`);

/**
 * MTTR per severity, median and p90 as bars: drawn on the server as SVG, so the page needs no chart
 * library and no script. The scale is the largest p90 shown.
 */
export function MetricsChart({ metrics }: { metrics: ResponseMetrics }) {
  const rows = metrics.bySeverity.filter((s) => s.mttr.n > 0);
  const max = Math.max(1, ...rows.map((s) => s.mttr.p90Ms ?? 0));
  const width = 320;
  const label = 60;
  const barH = 10;
  const rowH = 30;
  const height = Math.max(1, rows.length) * rowH + 10;
  return (
    <svg class="chart" role="img" aria-label={`MTTR per severity, last ${metrics.days} days`} viewBox={`0 0 ${label + width + 80} ${height}`} width={label + width + 80} height={height}>
      {rows.length === 0 ? (
        <text x="0" y="20">
          No resolved incidents in the last {metrics.days} days.
        </text>
      ) : null}
      {rows.map((s, i) => {
        const y = 8 + i * rowH;
        const med = ((s.mttr.medianMs ?? 0) / max) * width;
        const p90 = ((s.mttr.p90Ms ?? 0) / max) * width;
        return (
          <g>
            <text x="0" y={y + barH}>
              {s.severity.toUpperCase()}
            </text>
            <rect class="bar" x={label} y={y} width={Math.max(1, med)} height={barH} />
            <rect class="bar p90" x={label} y={y + barH + 1} width={Math.max(1, p90)} height={barH / 2} />
            <text x={label + Math.max(med, p90) + 6} y={y + barH}>
              {ms(s.mttr.medianMs)} · p90 {ms(s.mttr.p90Ms)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

function MetricsTable({ metrics }: { metrics: ResponseMetrics }) {
  return (
    <div class="table-wrap">
      <table data-window={metrics.days}>
        <caption class="muted">
          Last {metrics.days} days: {metrics.incidents} incidents (median / p90)
        </caption>
        <thead>
          <tr>
            <th>Severity</th>
            <th>Incidents</th>
            <th>MTTA</th>
            <th>MTTM</th>
            <th>MTTR</th>
          </tr>
        </thead>
        <tbody>
          {metrics.bySeverity.map((s) => (
            <tr data-severity={s.severity}>
              <td>{s.severity.toUpperCase()}</td>
              <td>{s.incidents}</td>
              <td>{cell(s.mtta)}</td>
              <td>{cell(s.mttm)}</td>
              <td>{cell(s.mttr)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export interface IncidentsPageProps {
  incidents: readonly Incident[];
  filters: IncidentFilters;
  services: readonly string[];
  metrics: ResponseMetrics[];
  now: Date;
  viewer: string | null;
  /** Each incident's (signed) link. */
  linkOf: (id: string) => string;
  /** The signature to carry through the filter form (exp, sig), when the page was opened by a signed link. */
  signature: { exp: string; sig: string } | null;
  nav: { label: string; href: string }[];
}

export function IncidentsPage({ incidents, filters, services, metrics, now, viewer, linkOf, signature, nav }: IncidentsPageProps) {
  const [recent] = metrics;
  return (
    <Layout title="Incidents" viewer={viewer} nav={nav}>
      <h1>Incidents</h1>
      <h2>Response metrics</h2>
      {metrics.map((m) => (
        <MetricsTable metrics={m} />
      ))}
      {recent ? <MetricsChart metrics={recent} /> : null}
      {recent && recent.byService.length > 0 ? (
        <p>
          Incidents per service (last {recent.days} days): {recent.byService.map((s) => `${s.service} ${s.incidents}`).join(' · ')}
        </p>
      ) : null}
      <div class="definitions" id="definitions">
        <p>
          <strong>MTTA</strong> (time to acknowledge): from <em>detected</em> — the first alert Firebreak received, or the declaration when no alert came first — to{' '}
          <em>acknowledged</em> — the first alert acknowledgement, else the incident's first status change.
        </p>
        <p>
          <strong>MTTM</strong> (time to mitigate): from <em>started</em> — the first alert's start time, or the declaration — to <em>mitigated</em> — the earlier of
          status → monitoring and the first successful mutating action (a confirmed rollback, scale, restart or custom action).
        </p>
        <p>
          <strong>MTTR</strong> (time to resolve): from <em>started</em> to status → resolved.
        </p>
        <p>
          Median: the middle value (the mean of the two middle ones for an even count). p90: the smallest value that at least 90% of incidents did not exceed. An incident
          counts in a window when it was declared in it; a clock that has not stopped yet is left out of its figure.
        </p>
      </div>
      <h2>Open and recent incidents</h2>
      <form class="filters" method="get" action="/incidents">
        {signature ? (
          <>
            <input type="hidden" name="exp" value={signature.exp} />
            <input type="hidden" name="sig" value={signature.sig} />
          </>
        ) : null}
        <label>
          Status
          <select name="status">
            {[
              ['', 'any'],
              ['open', 'open'],
              ['resolved', 'resolved'],
            ].map(([v, l]) => (
              <option value={v} selected={(filters.status ?? '') === v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          Severity
          <select name="severity">
            {['', 'sev1', 'sev2', 'sev3', 'sev4'].map((v) => (
              <option value={v} selected={(filters.severity ?? '') === v}>
                {v ? v.toUpperCase() : 'any'}
              </option>
            ))}
          </select>
        </label>
        <label>
          Service
          <select name="service">
            {['', ...services].map((v) => (
              <option value={v} selected={(filters.service ?? '') === v}>
                {v || 'any'}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      <div class="table-wrap">
        <table id="incidents">
          <thead>
            <tr>
              <th>Incident</th>
              <th>Severity</th>
              <th>Status</th>
              <th>Lead</th>
              <th>Started</th>
              <th>Duration</th>
            </tr>
          </thead>
          <tbody>
            {incidents.map((i) => (
              <tr data-incident={i.id}>
                <td>
                  <a href={linkOf(i.id)}>
                    {i.id}: {i.title}
                  </a>
                  {i.service ? <div class="muted">{i.service}</div> : null}
                </td>
                <td>{i.severity.toUpperCase()}</td>
                <td>{i.status}</td>
                <td>{i.roles.lead?.name ?? '—'}</td>
                <td>
                  <Time at={i.declaredAt} />
                </td>
                <td>{duration(Math.max(0, (i.resolvedAt ?? now).getTime() - i.declaredAt.getTime()), 'span')}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {incidents.length === 0 ? <p class="muted">No incidents match.</p> : null}
      </div>
    </Layout>
  );
}
