import type { ConsoleMessageStore } from '../../core/console-messages.js';
import type { Placement } from '../../core/placement.js';

/**
 * A placement in another channel names it by id (`{ id: 'C6' }`) when the command created it; the
 * terminal shows "(posted in #inc-20261207-api-down)", so the id is swapped for the channel's name
 * here, where the console's channels are known. An unknown id is left as it is.
 */
export async function namedPlacement<R extends { placement?: Placement }>(result: R, messages: Pick<ConsoleMessageStore, 'channel'>): Promise<R> {
  const p = result.placement;
  if (!p || p.kind !== 'channel' || !('id' in p.channel)) return result;
  const channel = await messages.channel(p.channel.id).catch(() => null);
  return channel ? { ...result, placement: { ...p, channel: { name: channel.name } } } : result;
}
