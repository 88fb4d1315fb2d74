import type { OutboundPriority } from '../../core/chat-port.js';
import type { Coordination } from '../../core/ports.js';

/**
 * How long one ask of a person's message keeps its "a person waits" mark up. Short, because nothing
 * takes the mark down after the message went out (the coordination port only claims): the system
 * messages of other replicas wait at most this long for nothing. A waiting person's message asks
 * again every 50 ms (ChannelPacer), well within it.
 */
export const PERSON_MARK_MS = 300;

/**
 * One channel's message slot shared by every replica through the coordination store (Redis), with
 * a person's message first. Each replica's pacer has its own queue; the slot is what keeps N
 * replicas at one message per interval together. On its own that is first come, first served, and
 * a replica working an alert storm asks the moment its pause is over, while a person's answer on
 * another replica asks only now and then: it could wait a long time.
 *
 * So a person's message that finds the slot taken puts up a short mark ("a person waits in this
 * channel"), and a system message (alert cards, the digest) first looks at the mark and leaves the
 * slot alone while it is up. The look is a claim of the mark that lives 1 ms: true means there was
 * none (and the 1 ms mark is gone before anyone could mistake it for a person's).
 */
export function sharedPaceSlot(coordination: Coordination, prefix: string): (channel: string, intervalMs: number, priority: OutboundPriority) => Promise<boolean> {
  return async (channel, intervalMs, priority) => {
    const slot = `${prefix}:${channel}`;
    const mark = `${prefix}:${channel}:person-waiting`;
    if (priority === 'person') {
      if (await coordination.claimOnce(slot, intervalMs)) return true;
      await coordination.claimOnce(mark, PERSON_MARK_MS);
      return false;
    }
    if (!(await coordination.claimOnce(mark, 1))) return false;
    return coordination.claimOnce(slot, intervalMs);
  };
}
