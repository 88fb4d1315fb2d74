import type { ChatPlatformPort, MessageRef } from '../../core/chat-port.js';
import type { DispatchResult } from '../../core/invocation.js';

/**
 * The console's side of placement for a button pressed on a posted message: what the others
 * watching the console see. The terminal that pressed it prints the result itself (renderPlaced).
 * - a source update, or a reply that replaces the card, updates the stored message in place;
 * - a thread reply goes under it, a new message or another channel is posted there;
 * - a private reply stays in the presser's terminal.
 */
export async function placeOnConsole(port: ChatPlatformPort, source: MessageRef | null, channelId: string, result: DispatchResult): Promise<void> {
  const { reply, placement, sourceUpdate } = result;
  if (sourceUpdate && source) await port.updateMessage(source, sourceUpdate);
  switch (placement.kind) {
    case 'replace':
      if (source && !sourceUpdate) await port.updateMessage(source, reply);
      else if (source) await port.postMessage({ id: channelId }, reply);
      return;
    case 'new':
      if (source) await port.postMessage({ id: channelId }, reply);
      return;
    case 'thread':
      if (source) await port.replyInThread(source, reply);
      return;
    case 'channel':
      await port.postMessage(placement.channel, reply);
      return;
    case 'private':
      return;
  }
}
