import type { ReplyField } from '../core/reply.js';
import { duration } from '../core/text-format.js';
import type { DraftInput } from './draft-input.js';
import { keyTimes, type KeyTime } from './key-times.js';

const at = (t: KeyTime) => (t.at ? `${t.at.toISOString().slice(0, 16).replace('T', ' ')} UTC — ${t.source}` : `not recorded — ${t.source}`);
const keyTime = (ms: number | null) => (ms === null ? '—' : duration(ms, 'key-time'));

/** The post-mortem card's key times, with where each came from, and TTA / TTM / TTR. */
export function keyTimeRows(input: DraftInput): ReplyField[] {
  const k = keyTimes(input);
  return [
    { label: 'Started', value: at(k.started) },
    { label: 'Detected', value: at(k.detected) },
    { label: 'Acknowledged', value: at(k.acknowledged) },
    { label: 'Mitigated', value: at(k.mitigated) },
    { label: 'Resolved', value: at(k.resolved) },
    { label: 'TTA · TTM · TTR', value: `${keyTime(k.ttaMs)} · ${keyTime(k.ttmMs)} · ${keyTime(k.ttrMs)}` },
  ];
}
