import type { ReplyField } from '../core/reply.js';
import type { DraftInput } from './draft-input.js';
import { keyTimes, type KeyTime } from './key-times.js';

const at = (t: KeyTime) => (t.at ? `${t.at.toISOString().slice(0, 16).replace('T', ' ')} UTC — ${t.source}` : `not recorded — ${t.source}`);
const minutes = (ms: number | null) => (ms === null ? '—' : ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`);

/** The post-mortem card's key times, with where each came from, and TTA / TTM / TTR. */
export function keyTimeRows(input: DraftInput): ReplyField[] {
  const k = keyTimes(input);
  return [
    { label: 'Started', value: at(k.started) },
    { label: 'Detected', value: at(k.detected) },
    { label: 'Acknowledged', value: at(k.acknowledged) },
    { label: 'Mitigated', value: at(k.mitigated) },
    { label: 'Resolved', value: at(k.resolved) },
    { label: 'TTA · TTM · TTR', value: `${minutes(k.ttaMs)} · ${minutes(k.ttmMs)} · ${minutes(k.ttrMs)}` },
  ];
}
