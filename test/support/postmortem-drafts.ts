import type { TicketDraft } from '../../src/postmortems/ticket-system.js';
import type { Queryable } from '../../src/store/db.js';

/** An incident row for tickets to hang off (postmortem_tickets references incidents). */
export async function insertIncident(db: Queryable, id: string): Promise<void> {
  await db.query(
    `INSERT INTO incidents (id, number, title, severity, status, declared_by, source)
     VALUES ($1, next_number('incidents'), 'checkout 5xx', 'sev2', 'resolved', '{"platform":"console","id":"alice","name":"alice"}', $1)`,
    [id],
  );
}

const text = (t: string) => ({ type: 'text', text: t });
const para = (t: string) => ({ type: 'paragraph', content: [text(t)] });
const cell = (type: 'tableHeader' | 'tableCell', t: string) => ({ type, content: [para(t)] });

/**
 * A draft as the builder renders one: Markdown with a table, a code block and the action items as
 * a task list, and the same as ADF. `extra` goes into both (a secret that leaked into the timeline).
 */
export function sampleDraft(opts: { version?: number; items?: string[]; extra?: string } = {}): TicketDraft {
  const v = opts.version ?? 1;
  const items = (opts.items ?? ['Alert on checkout 5xx above 1%', 'Add a canary for api']).map((t, i) => ({ id: String(i + 1), text: t }));
  const extra = opts.extra ?? '';
  const markdown = [
    `# Post-mortem: INC checkout 5xx (sev2) — draft ${v}`,
    '',
    '## What we ran',
    '',
    '| time | who | command | exit |',
    '| --- | --- | --- | --- |',
    '| 10:02 | alice | `/rollback api` | 0 |',
    '',
    '```',
    'kubectl rollout undo deployment/conduit-api --to-revision=13',
    `X-Master-Key: *** ${extra}`,
    '```',
    '',
    '## Action items',
    '',
    ...items.map((i) => `- [ ] ${i.text}`),
    '',
  ].join('\n');
  const adf = {
    type: 'doc',
    version: 1,
    content: [
      { type: 'heading', attrs: { level: 1 }, content: [text(`Post-mortem: INC checkout 5xx (sev2) — draft ${v}`)] },
      { type: 'heading', attrs: { level: 2 }, content: [text('What we ran')] },
      {
        type: 'table',
        attrs: { isNumberColumnEnabled: false, layout: 'default' },
        content: [
          { type: 'tableRow', content: ['time', 'who', 'command', 'exit'].map((h) => cell('tableHeader', h)) },
          { type: 'tableRow', content: ['10:02', 'alice', '/rollback api', '0'].map((c) => cell('tableCell', c)) },
        ],
      },
      { type: 'codeBlock', attrs: { language: 'text' }, content: [text(`kubectl rollout undo deployment/conduit-api --to-revision=13\nX-Master-Key: *** ${extra}`)] },
      { type: 'heading', attrs: { level: 2 }, content: [text('Action items')] },
      {
        type: 'taskList',
        attrs: { localId: 'items' },
        content: items.map((i) => ({ type: 'taskItem', attrs: { localId: `item-${i.id}`, state: 'TODO' }, content: [text(i.text)] })),
      },
    ],
  };
  return { title: `Post-mortem: INC checkout 5xx (sev2)`, markdown, adf, actionItems: items };
}

/** Every node type in an ADF tree, depth first. */
export function adfNodeTypes(node: unknown): string[] {
  const n = node as { type?: string; content?: unknown[] };
  return [n.type ?? '?', ...(n.content ?? []).flatMap(adfNodeTypes)];
}
