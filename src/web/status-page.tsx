/* @jsxRuntime automatic */
/* @jsxImportSource preact */
// The pragmas make this file compile the same wherever tsx runs from (it reads tsconfig.json only from the working directory).
import { Layout, Time } from './layout.js';
import { MAINTENANCE_TITLE, type ComponentState, type StatusMaintenance, type StatusModel } from './status-model.js';

const STATE_TEXT: Record<ComponentState, { text: string; look: string }> = {
  operational: { text: 'Operational', look: 'ok' },
  degraded: { text: 'Degraded', look: 'warning' },
  outage: { text: 'Outage', look: 'error' },
  maintenance: { text: 'Maintenance', look: 'info' },
  unknown: { text: 'No data yet', look: 'muted' },
};

/** The public status page: only what statusModel() took from published updates and the health watch. */
export function StatusPage({ model }: { model: StatusModel }) {
  const open = model.incidents.filter((i) => i.status !== 'resolved');
  const past = model.incidents.filter((i) => i.status === 'resolved');
  const worst: ComponentState = model.components.some((c) => c.state === 'outage')
    ? 'outage'
    : model.components.some((c) => c.state === 'degraded') || open.length > 0
      ? 'degraded'
      : model.components.some((c) => c.state === 'maintenance')
        ? 'maintenance'
        : 'operational';
  const overall = { operational: 'All systems operational.', outage: 'Some systems are down.', degraded: 'Some systems are degraded.', maintenance: 'Maintenance in progress.', unknown: 'All systems operational.' }[worst];
  return (
    <Layout title={model.title} nav={[{ label: 'JSON', href: '/status.json' }, { label: 'Atom feed', href: '/status/feed.xml' }]}>
      <h1>{model.title}</h1>
      <p class={`s-${STATE_TEXT[worst].look}`} id="overall">
        {overall}
      </p>
      {open.length > 0 ? <h2>Current incidents</h2> : null}
      {open.map((i) => (
        <Incident i={i} />
      ))}
      {model.maintenanceRunning.length > 0 ? <h2>Maintenance in progress</h2> : null}
      {model.maintenanceRunning.map((w) => (
        <Maintenance w={w} running />
      ))}
      <h2>Components</h2>
      {model.components.map((c) => (
        <section data-component={c.id}>
          <div>
            <strong>{c.name}</strong> <span class={`badge s-${STATE_TEXT[c.state].look}`}>{STATE_TEXT[c.state].text}</span>
          </div>
          <div class="days" aria-label={`${c.name}, the last ${c.days.length} days`}>
            {c.days.map((d) => (
              <span class={`d-${d.state}`} title={`${d.date}: ${d.state === 'ok' ? 'no incident' : 'incident'}`}></span>
            ))}
          </div>
        </section>
      ))}
      {model.maintenanceUpcoming.length > 0 ? <h2>Upcoming maintenance</h2> : null}
      {model.maintenanceUpcoming.map((w) => (
        <Maintenance w={w} running={false} />
      ))}
      {past.length > 0 ? <h2>Past incidents</h2> : null}
      {past.map((i) => (
        <Incident i={i} />
      ))}
      <p class="muted">
        Updated <Time at={model.updatedAt} />.
      </p>
    </Layout>
  );
}

function Incident({ i }: { i: StatusModel['incidents'][number] }) {
  return (
    <article class="card" id={`incident-${i.id}`}>
      <strong>{i.affects}</strong> <span class="badge">{i.status}</span>
      <div class="muted">
        Started <Time at={i.startedAt} />
        {i.resolvedAt ? (
          <>
            , resolved <Time at={i.resolvedAt} />
          </>
        ) : null}
      </div>
      <ul>
        {i.updates.map((u) => (
          <li id={`update-${u.id}`}>
            <Time at={u.at} />: {u.text}
          </li>
        ))}
      </ul>
    </article>
  );
}

function Maintenance({ w, running }: { w: StatusMaintenance; running: boolean }) {
  return (
    <article class="card" id={`maintenance-${w.key}`} data-maintenance={running ? 'running' : 'upcoming'}>
      <strong>{MAINTENANCE_TITLE}</strong> <span class="badge s-info">{w.components.join(', ')}</span>
      <div class="muted">
        {running ? (
          <>
            Until <Time at={w.endsAt} /> (started <Time at={w.startsAt} />)
          </>
        ) : (
          <>
            <Time at={w.startsAt} /> until <Time at={w.endsAt} />
          </>
        )}
      </div>
      {w.note ? <p>{w.note}</p> : null}
    </article>
  );
}
