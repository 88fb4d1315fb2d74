import type { ConsoleMessage } from '../../core/console-messages.js';
import type { Placement } from '../../core/placement.js';
import type { Reply } from '../../core/reply.js';
import { renderText } from './render.js';

/** Printed faces remembered at most: a console prints a few per command; older ones are long past the feed. */
const REMEMBERED = 50;

/**
 * What `firebreak console` printed as a command's result also lands in the console store (the
 * clicked card updated, the reply threaded under it, a post in another channel), and the feed shows
 * every change to the store: without this, one click printed the same card two or three times.
 * A feed message whose face is one this console just printed is skipped, once per printing.
 */
export class EchoFilter {
  private readonly faces: string[] = [];

  /** A result the console printed: the faces of it that may come back through the feed. */
  printed(result: { reply: Reply; sourceUpdate?: Reply; placement?: Placement }, clicked: boolean): void {
    const faces = [result.reply, ...(clicked && result.sourceUpdate ? [result.sourceUpdate] : [])];
    if (result.placement?.kind === 'channel' && result.placement.pointer) faces.push(result.placement.pointer);
    for (const f of faces) this.faces.push(renderText(f));
    this.faces.splice(0, Math.max(0, this.faces.length - REMEMBERED));
  }

  /** True (and forgotten) when the message shows what was printed; a private or other face is shown. */
  isEcho(m: ConsoleMessage): boolean {
    const i = this.faces.indexOf(renderText(m.reply));
    if (i < 0) return false;
    this.faces.splice(i, 1);
    return true;
  }
}
