import type { Placement } from '../../core/placement.js';
import type { Reply } from '../../core/reply.js';
import { renderText } from './render.js';

/** A result as the console shows it: where each part went, then the part. */
export interface PlacedResult {
  reply: Reply;
  placement?: Placement;
  sourceUpdate?: Reply;
}

function where(p: Placement, clicked: boolean): string | null {
  switch (p.kind) {
    case 'replace':
      return null;
    // A typed command's answer is a message of its own already, with nothing to reply under.
    case 'new':
      return clicked ? '(new message)' : null;
    case 'thread':
      return clicked ? '(in thread)' : null;
    case 'private':
      // The terminal is the one person's own: a private reply is simply the reply.
      return null;
    case 'channel':
      return `(posted in #${'name' in p.channel ? p.channel.name : p.channel.id})`;
  }
}

const indent = (text: string) => text.split('\n').map((l) => `  ${l}`).join('\n');

/**
 * The console platform honours every placement by saying it: a terminal has one stream, so the
 * clicked card's new face comes first, then the reply under a label naming where it went. A typed
 * command has no card: a source update does not apply, and thread or new is simply its answer.
 */
export function renderPlaced(r: PlacedResult, opts: { clicked: boolean }): string {
  const parts: string[] = [];
  const sourceUpdate = opts.clicked ? r.sourceUpdate : undefined;
  if (sourceUpdate) parts.push(`(card updated)\n${indent(renderText(sourceUpdate))}`);
  const placement = r.placement ?? (r.reply.ephemeral ? { kind: 'private' as const } : { kind: 'replace' as const });
  // The card became the source update, so a replacing reply is a message of its own.
  const label = sourceUpdate && placement.kind === 'replace' ? '(new message)' : where(placement, opts.clicked);
  parts.push(label ? `${label}\n${indent(renderText(r.reply))}` : renderText(r.reply));
  if (placement.kind === 'channel' && placement.pointer) parts.push(renderText(placement.pointer));
  return parts.join('\n');
}
