import type { ChannelTarget } from './chat-port.js';
import type { Reply } from './reply.js';

/**
 * Where an outcome's reply goes. Commands and button handlers say it; each platform honours it
 * (see each platform's delivery) and golden files pin what it renders.
 */
export type Placement =
  /**
   * The default: the clicked message is replaced, or a command gets its own answer message. With a
   * `sourceUpdate` the clicked message becomes that, and the reply is a new message instead.
   */
  | { kind: 'replace' }
  /** A new message in the same channel; a clicked card stays as it was (unless `sourceUpdate`). */
  | { kind: 'new' }
  /** A reply under the clicked message (a new message for a typed command, which has none). */
  | { kind: 'thread' }
  /** Only the acting user sees it (denials, usage errors, private notes). */
  | { kind: 'private' }
  /**
   * Another channel (the new incident channel). The invoker's channel gets `pointer`, or nothing
   * more than the source update.
   */
  | { kind: 'channel'; channel: ChannelTarget; pointer?: Reply };

/** What to show, where, and optionally what the clicked message becomes ("Acknowledged by alice"). */
export interface PlacedReply {
  reply: Reply;
  placement: Placement;
  /** Replaces the message the button was on, for everyone, while `reply` goes where placed. */
  sourceUpdate?: Reply;
}

/** A reply's placement: explicit, else private for an ephemeral reply, else replace. */
export function placementOf(reply: Reply, placement?: Placement): Placement {
  if (placement) return placement;
  return reply.ephemeral ? { kind: 'private' } : { kind: 'replace' };
}

/**
 * What the invoker sees of a channel placement that names no pointer, where a platform must show
 * something (a typed command's answer): only to them, naming the channel by the name it was given.
 */
export function defaultPointer(channel: ChannelTarget): Reply {
  return { title: 'name' in channel ? `Posted in #${channel.name.replace(/^#/, '')}` : 'Posted in another channel', status: 'info', ephemeral: true };
}

/** One sentence for a message that showed "running…" when the result went elsewhere: where it is. */
export function whereItWent(placement: Placement, actorName: string): string {
  switch (placement.kind) {
    case 'private':
      return `The result was shown only to ${actorName}.`;
    case 'thread':
      return 'The result is in the thread.';
    case 'channel':
      return `The result was posted in ${'name' in placement.channel ? `#${placement.channel.name.replace(/^#/, '')}` : 'another channel'}.`;
    default:
      return 'The result was posted below.';
  }
}
