/* @jsxRuntime automatic */
/* @jsxImportSource preact */
// The pragmas make this file compile the same wherever tsx runs from (it reads tsconfig.json only from the working directory).
import MarkdownIt from 'markdown-it';
import type { StoredTicket } from '../postmortems/ticket-store.js';
import { Layout } from './layout.js';

/**
 * The draft is Markdown that quotes chat and alerts. markdown-it with `html: false` turns any HTML in
 * it into text and refuses javascript:/data: links (validateLink), so its output is the one HTML
 * string the pages insert unescaped.
 */
const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });

export function renderDraftHtml(md: string): string {
  return markdown.render(md);
}

export interface PostmortemPageProps {
  incidentId: string;
  title: string;
  markdown: string;
  tickets: readonly StoredTicket[];
  viewer: string | null;
  links: { timeline: string; markdown: string; incidents: string };
}

export function PostmortemPage({ incidentId, title, markdown: md, tickets, viewer, links }: PostmortemPageProps) {
  const filed = tickets.filter((t) => t.url && /^https?:\/\//i.test(t.url));
  return (
    <Layout title={`${incidentId} post-mortem draft`} viewer={viewer} nav={[{ label: 'Incidents', href: links.incidents }, { label: 'Timeline', href: links.timeline }]}>
      <h1>
        Post-mortem draft: {incidentId} {title}
      </h1>
      <p>
        <a class="button" href={links.markdown} download={`${incidentId}-postmortem.md`}>
          Download .md
        </a>{' '}
        {filed.map((t) => (
          <>
            <a class="button" href={t.url!} rel="noreferrer noopener">
              {t.system} ticket {t.ref ?? ''}
            </a>{' '}
          </>
        ))}
        {filed.length === 0 ? <span class="muted">Not filed as a ticket yet.</span> : null}
      </p>
      <article class="markdown" dangerouslySetInnerHTML={{ __html: renderDraftHtml(md) }} />
    </Layout>
  );
}
