/* @jsxRuntime automatic */
/* @jsxImportSource preact */
// The pragmas make this file compile the same wherever tsx runs from (it reads tsconfig.json only from the working directory).
import { renderAlertsList } from '../alerts/alerts-list.js';
import type { AlertGroup } from '../alerts/model.js';
import { Layout } from './layout.js';

/**
 * The firing alert groups as `/alerts` lists them: the same Reply (renderAlertsList: same order,
 * same cells), drawn as a table. The buttons stay in chat, where presses are authorized and recorded.
 */
export function AlertsPage({ firing, now, viewer, nav }: { firing: readonly AlertGroup[]; now: Date; viewer: string | null; nav: { label: string; href: string }[] }) {
  const reply = renderAlertsList(firing, undefined, now);
  return (
    <Layout title="Firing alerts" viewer={viewer} nav={nav}>
      <h1>{reply.title}</h1>
      {reply.text ? <p>{reply.text}</p> : null}
      {reply.rows && reply.rows.length > 0 ? (
        <div class="table-wrap">
          <table id="alerts">
            <thead>
              <tr>
                <th>Alert</th>
                <th>Service</th>
                <th>Severity</th>
                <th>Firing</th>
                <th>Since</th>
                <th>Acknowledged</th>
              </tr>
            </thead>
            <tbody>
              {reply.rows.map((r) => (
                <tr class={`s-${r.status}`}>
                  {r.cells.map((c) => (
                    <td>{c}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {reply.context ? <p class="muted">{reply.context}</p> : null}
      <p class="muted">Acknowledge and silence on the alert cards in chat, where each press is checked and recorded.</p>
    </Layout>
  );
}
