import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { expect } from 'vitest';
import { z } from 'zod';
import { defineButton } from '../../src/core/button-handlers.js';
import type { Placement } from '../../src/core/placement.js';
import type { Reply } from '../../src/core/reply.js';
import { defineCommand } from '../../src/core/spec.js';

/**
 * A button kind and a command of the tests' own whose outcome is placed where its argument says:
 * `[slow-]KIND[+src]`. KIND is a placement (replace, new, thread, private, channel with a pointer,
 * channel-quiet without one); `+src` adds a source update ("Acknowledged by …") for the clicked
 * card; `slow-` reports progress and holds the result until the test calls `release(arg)`, so the
 * platform defers and shows that progress first (on the clicked card, where a platform shows it there).
 */
export const PLACE_KINDS = ['replace', 'new', 'thread', 'private', 'channel', 'channel-quiet'] as const;
export type PlaceKind = (typeof PLACE_KINDS)[number];
/** The other channel a `channel` placement posts in, by name, as an incident channel would be. */
export const PLACE_CHANNEL = 'inc-placed';

/** Every case a platform is driven through: each placement, with and without a source update. */
export const PLACE_CASES: string[] = PLACE_KINDS.flatMap((k) => [k, `${k}+src`]);

const gates = new Map<string, () => void>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Lets a `slow-` outcome finish once the test has seen the platform acknowledge it. */
export async function release(arg: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!gates.has(arg)) {
    if (Date.now() > deadline) throw new Error(`nothing is waiting on ${arg}`);
    await sleep(5);
  }
  gates.get(arg)!();
  gates.delete(arg);
}

function parseArg(arg: string): { kind: PlaceKind; src: boolean; slow: boolean } {
  const m = /^(slow-)?([a-z-]+?)(\+src)?$/.exec(arg);
  const kind = m?.[2] as PlaceKind | undefined;
  if (!m || !kind || !PLACE_KINDS.includes(kind)) throw new Error(`not a placement case: ${arg}`);
  return { kind, src: !!m[3], slow: !!m[1] };
}

function placementOf(kind: PlaceKind, who: string): Placement {
  switch (kind) {
    case 'channel':
      return { kind: 'channel', channel: { name: PLACE_CHANNEL }, pointer: { title: `Posted in #${PLACE_CHANNEL}`, status: 'info', text: `${who} sent the details there.` } };
    case 'channel-quiet':
      return { kind: 'channel', channel: { name: PLACE_CHANNEL } };
    default:
      return { kind };
  }
}

/** The outcome for a case, as a domain's handler or a command would return it. */
async function outcomeFor(arg: string, who: string, progress: (r: Reply) => Promise<void>): Promise<{ reply: Reply; placement: Placement; sourceUpdate?: Reply }> {
  const { kind, src, slow } = parseArg(arg);
  if (slow) {
    await progress({ title: `Working on ${kind}…`, status: 'pending' });
    await new Promise<void>((r) => gates.set(arg, r));
  }
  return {
    reply: { title: `Placed ${kind}`, status: 'ok', text: `The reply for ${who}.`, fields: [{ label: 'Case', value: arg }] },
    placement: placementOf(kind, who),
    ...(src ? { sourceUpdate: { title: 'Placement card', status: 'ok', text: 'The card everyone sees.', context: `Acknowledged by ${who}` } } : {}),
  };
}

export const placeButton = defineButton({
  prefix: 'place',
  kind: 'handler',
  metricLabel: '(place)',
  name: 'Place',
  outsideAllowedChannels: true,
  payload: z.string(),
  record: (arg) => ({ command: null, text: `(place ${arg})` }),
  async handle(press) {
    const outcome = await outcomeFor(press.payload, press.inv.actor.name, (r) => press.sink.progress(r));
    return { status: 'ok', ...outcome };
  },
});

export const placeCommand = defineCommand({
  name: 'place',
  summary: 'answers where it is told (tests only)',
  usage: '/place CASE',
  params: [{ name: 'case', description: 'placement case', type: 'string', required: true }],
  args: z.object({ case: z.string() }),
  mutating: false,
  async run(ctx, args) {
    return { status: 'ok', ...(await outcomeFor(args.case, ctx.actor.name, (r) => ctx.progress(r))) };
  },
});

/**
 * What each person sees once a case is delivered, by title: the clicked card now, new messages in
 * #incidents for everyone, replies under the card, what landed in the other channel, and what only
 * the invoker sees. Every platform must come to the same, so one expectation serves them all.
 */
export interface Seen {
  card?: string;
  everyone: string[];
  thread: string[];
  placed: string[];
  invoker: string[];
}

export function expectedSeen(arg: string, o: { clicked: boolean; leftover?: string }): Seen {
  const { kind, src } = parseArg(arg);
  const reply = `✅ Placed ${kind}`;
  const pointer = `ℹ️ Posted in #${PLACE_CHANNEL}`;
  const seen: Seen = { everyone: [], thread: [], placed: [], invoker: [] };
  // The card keeps its face unless it is updated (for everyone) or is what the reply replaces.
  if (o.clicked) seen.card = src ? '✅ Placement card' : kind === 'replace' ? reply : 'ℹ️ Placement card';
  switch (kind) {
    case 'replace':
      if (!o.clicked || src) seen.everyone.push(reply);
      break;
    case 'new':
      seen.everyone.push(reply);
      break;
    case 'thread':
      (o.clicked ? seen.thread : seen.everyone).push(reply);
      break;
    case 'private':
      seen.invoker.push(reply);
      break;
    case 'channel':
      seen.placed.push(reply);
      seen.everyone.push(pointer);
      break;
    case 'channel-quiet':
      seen.placed.push(reply);
      // A typed command answers its invoker; a click may leave it at the card.
      if (!o.clicked && !o.leftover) seen.invoker.push(pointer);
      break;
  }
  // Where a typed command's public "running…" message cannot become the result, it says it finished.
  if (o.leftover) seen.everyone.unshift(o.leftover);
  return seen;
}

/** The card every click case presses: one button, for its case. */
export function placementCard(arg: string): Reply {
  return { title: 'Placement card', status: 'info', text: 'A card in #incidents, as an alert card would be.', buttons: [{ actionId: `place:${arg}`, label: 'Press' }] };
}

/**
 * Stable stand-ins for what changes from run to run (message ids, timestamps, tokens): the first
 * value seen becomes `<name:1>`, the next new one `<name:2>`; known values get their own names.
 */
export class Tokens {
  private readonly seen = new Map<string, string>();
  private readonly counts = new Map<string, number>();

  constructor(known: Record<string, string> = {}) {
    for (const [value, name] of Object.entries(known)) this.seen.set(value, `<${name}>`);
  }

  token(value: string, kind: string): string {
    let t = this.seen.get(value);
    if (!t) {
      const n = (this.counts.get(kind) ?? 0) + 1;
      this.counts.set(kind, n);
      t = `<${kind}:${n}>`;
      this.seen.set(value, t);
    }
    return t;
  }

  /** Replaces every occurrence of a known value, and of anything `pattern` matches, inside strings. */
  scrub(value: unknown, pattern: RegExp, kind: string): unknown {
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') {
        let s = v;
        for (const [known, t] of this.seen) if (known.length > 3) s = s.split(known).join(t);
        return s.replace(pattern, (m) => this.token(m, kind));
      }
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      return v;
    };
    return walk(value);
  }
}

/**
 * Compares with the committed golden file; UPDATE_GOLDEN=1 rewrites it (review the diff).
 * `.json` files hold JSON, anything else the text as is.
 */
export function expectGolden(path: string, value: unknown): void {
  const file = resolve('test/golden', path);
  const text = typeof value === 'string' ? `${value}\n` : `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  let committed: string;
  try {
    committed = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${file} does not exist; create it with UPDATE_GOLDEN=1 npx vitest run test/e2e/placement-golden.test.ts and review it`);
  }
  expect(text, `${file} differs; if intended, run UPDATE_GOLDEN=1 npx vitest run test/e2e/placement-golden.test.ts`).toBe(committed);
}
