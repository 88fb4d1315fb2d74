import { stripBidiControls } from '../core/bidi.js';
import type { DraftInput } from './draft-input.js';
import { draftDocument, fitDocument, type Block, type DraftDocument, type Inline } from './draft-document.js';
import type { DraftOptions } from './draft-markdown.js';

/**
 * The draft as Atlassian Document Format (Jira Cloud REST v3 descriptions), the same document the
 * Markdown shows. ADF is JSON, so nothing needs escaping: text is text, and a mention is a node
 * of its own that is never made from text. The ADF rules it keeps: text nodes are never empty,
 * code blocks hold unmarked text, every table cell holds a paragraph, task items carry a localId
 * and a TODO/DONE state.
 */
export type AdfMark = { type: 'strong' } | { type: 'link'; attrs: { href: string } };
export interface AdfText {
  type: 'text';
  text: string;
  marks?: AdfMark[];
}
export interface AdfParagraph {
  type: 'paragraph';
  content: AdfText[];
}
export interface AdfHeading {
  type: 'heading';
  attrs: { level: 1 | 2 | 3 | 4 | 5 | 6 };
  content: AdfText[];
}
export interface AdfCodeBlock {
  type: 'codeBlock';
  content?: AdfText[];
}
export interface AdfBulletList {
  type: 'bulletList';
  content: { type: 'listItem'; content: AdfParagraph[] }[];
}
export interface AdfTaskList {
  type: 'taskList';
  attrs: { localId: string };
  content: { type: 'taskItem'; attrs: { localId: string; state: 'TODO' | 'DONE' }; content: AdfText[] }[];
}
export interface AdfTableCell {
  type: 'tableHeader' | 'tableCell';
  content: AdfParagraph[];
}
export interface AdfTable {
  type: 'table';
  attrs: { isNumberColumnEnabled: boolean; layout: 'default' };
  content: { type: 'tableRow'; content: AdfTableCell[] }[];
}
export type AdfBlock = AdfParagraph | AdfHeading | AdfCodeBlock | AdfBulletList | AdfTaskList | AdfTable;
export interface AdfDoc {
  version: 1;
  type: 'doc';
  content: AdfBlock[];
}

function text(raw: string, marks?: AdfMark[]): AdfText[] {
  const t = stripBidiControls(raw);
  if (t === '') return [];
  return [marks ? { type: 'text', text: t, marks } : { type: 'text', text: t }];
}

function inline(parts: readonly Inline[]): AdfText[] {
  const out: AdfText[] = [];
  for (const p of parts) {
    if (typeof p === 'string') out.push(...text(p));
    else if ('strong' in p) out.push(...text(p.strong, [{ type: 'strong' }]));
    else out.push(...text(p.text, [{ type: 'link', attrs: { href: p.link } }]));
  }
  return out;
}

const paragraph = (content: AdfText[]): AdfParagraph => ({ type: 'paragraph', content });
const tableCell = (type: AdfTableCell['type'], t: string): AdfTableCell => ({ type, content: [paragraph(text(t))] });

function renderBlock(b: Block): AdfBlock {
  switch (b.type) {
    case 'heading':
      return { type: 'heading', attrs: { level: b.level }, content: text(b.text) };
    case 'paragraph':
      return paragraph(inline(b.content));
    case 'bullets':
      return { type: 'bulletList', content: b.items.map((item) => ({ type: 'listItem', content: [paragraph(inline(item))] })) };
    case 'tasks':
      return {
        type: 'taskList',
        attrs: { localId: 'action-items' },
        content: b.items.map((t) => ({ type: 'taskItem', attrs: { localId: t.id, state: t.done ? 'DONE' : 'TODO' }, content: text(t.text) })),
      };
    case 'table':
      return {
        type: 'table',
        attrs: { isNumberColumnEnabled: false, layout: 'default' },
        content: [
          { type: 'tableRow', content: b.header.map((h) => tableCell('tableHeader', h)) },
          ...b.rows.map((row) => ({ type: 'tableRow' as const, content: row.map((c) => tableCell('tableCell', c)) })),
        ],
      };
    case 'code':
      return b.text === '' ? { type: 'codeBlock' } : { type: 'codeBlock', content: text(b.text) };
    case 'prompt':
      // An empty paragraph to type into; ADF has no hidden comment for the hint.
      return paragraph([]);
  }
}

export function renderAdf(doc: DraftDocument): AdfDoc {
  return { version: 1, type: 'doc', content: doc.blocks.map(renderBlock) };
}

/**
 * The post-mortem draft of an incident as a Jira ADF document. Pure, like buildDraft; maxChars
 * counts the document's JSON.
 */
export function buildDraftAdf(input: DraftInput, opts: DraftOptions = {}): AdfDoc {
  const doc = draftDocument(input);
  if (opts.maxChars === undefined) return renderAdf(doc);
  const overhead = JSON.stringify(renderAdf({ ...doc, blocks: [] })).length;
  return renderAdf(fitDocument(doc, opts.maxChars - overhead, (b) => JSON.stringify(renderBlock(b)).length + 1, input.draftUrl));
}
