import type { Placement } from '../../core/placement.js';
import type { Reply } from '../../core/reply.js';
import { renderText } from './render-text.js';

/** A result as the console shows it: where each part went, then the part. */
export interface PlacedResult {
  reply: Reply;
  placement?: Placement;
  sourceUpdate?: Reply;
}

function where(p: Placement): string | null {
  switch (p.kind) {
    case 'replace':
      return null;
    case 'new':
      return '(new message)';
    case 'thread':
      return '(in thread)';
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
 * clicked card's new face comes first, then the reply under a label naming where it went.
 */
export function renderPlaced(r: PlacedResult): string {
  const parts: string[] = [];
  if (r.sourceUpdate) parts.push(`(card updated)\n${indent(renderText(r.sourceUpdate))}`);
  const placement = r.placement ?? (r.reply.ephemeral ? { kind: 'private' as const } : { kind: 'replace' as const });
  const label = where(placement);
  if (placement.kind === 'channel') {
    parts.push(`${label}\n${indent(renderText(r.reply))}`);
    if (placement.pointer) parts.push(renderText(placement.pointer));
  } else {
    parts.push(label ? `${label}\n${indent(renderText(r.reply))}` : renderText(r.reply));
  }
  return parts.join('\n');
}
