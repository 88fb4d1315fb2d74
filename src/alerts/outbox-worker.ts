/**
 * Works off the alert outbox on every replica: posts or updates each dirty group's card, paced per
 * channel across replicas, and keeps a storm digest up while a channel has more waiting than its
 * budget can send soon.
 *
 * Work is split by lane (one platform's channel): a replica takes a lane under a lease, so one
 * replica at a time decides what that channel shows next (the digest before cards when it is due)
 * and other replicas take other channels. A dead replica's lane lease and row claims expire and
 * another replica carries on; nothing is lost, because a row is deleted only after its state was
 * shown, and only if no newer state arrived meanwhile.
 *
 * Budget: `alerts.cards_per_minute` per channel, as one slot every 60/N seconds claimed through the
 * coordination (Redis with REDIS_URL), so it holds across replicas. Slack's own ~1 message/s per
 * channel holds anyway through its pacer, which also waits out 429s.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FirebreakConfig } from '../config/schema.js';
import { msLeft, settlesWithin, type BackgroundWorker, type StopBy } from '../core/background-worker.js';
import type { ChatPlatformPort } from '../core/chat-port.js';
import { renderedHash, showMessage, STALE_CLAIM_MS, type ShowOutcome } from '../core/posted-messages.js';
import type { Reply } from '../core/reply.js';
import type { AlertsPorts } from './ports.js';
import { groupMessageKey } from './alert-store.js';
import { currentCard } from './current-card.js';
import type { AlertGroup } from './model.js';
import type { DigestState, DigestStore, OutboxLane, OutboxRow, OutboxStore } from './outbox.js';
import { digestKey, MAX_DIGEST_PAGES, planDigest, renderDigestOver, renderDigestPage } from './storm-digest.js';

export const GROUP_KEY_PREFIX = groupMessageKey('');

export type ChatOp = 'post' | 'update' | 'skip';

export interface OutboxMetrics {
  chatMessage(platform: string, op: ChatOp): void;
}

export interface OutboxWorkerOptions {
  /** How often idle replicas look for due work. */
  pollMs?: number;
  /**
   * poke() makes the worker look at once, but not twice within this long (nor longer than pollMs):
   * in a storm every stored webhook pokes, a hundred times a second, and each look is two reads of
   * the store that has the webhooks to write (on the embedded store, one session for everything).
   */
  pokeGapMs?: number;
  /** How long a claimed row stays claimed if its worker dies mid-send. */
  claimMs?: number;
  /** How long a lane stays with a replica that stopped renewing it. */
  laneLeaseMs?: number;
  /** A storm: more waiting than the budget sends in this long. */
  stormWindowMs?: number;
  /** During a storm the digest is refreshed this often (then its pages take the next slots). */
  digestRefreshMs?: number;
  /** …and sooner, but not more often than this, when a group on neither the digest nor its own card is waiting. */
  digestMinMs?: number;
  /** Longest wait before a failed send is tried again. */
  maxBackoffMs?: number;
  /** How long a card's unfinished post claim stands before another attempt posts it (tests shorten it). */
  staleClaimMs?: number;
  workerId?: string;
  now?: () => Date;
}

/** What stop() keeps of its deadline to give the lanes and claims back after waiting for the sends in hand. */
const HAND_BACK_MS = 1_000;

const DEFAULTS = { pollMs: 500, pokeGapMs: 200, claimMs: 60_000, laneLeaseMs: 30_000, stormWindowMs: 20_000, digestRefreshMs: 20_000, digestMinMs: 5_000, maxBackoffMs: 300_000, staleClaimMs: STALE_CLAIM_MS };

/** Waiting cards read for the digest: more than its pages can list, so its count of the rest is right. */
const DIGEST_READ_LIMIT = MAX_DIGEST_PAGES * 100 + 1000;

class GroupGone extends Error {}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const laneKey = (l: OutboxLane) => `${l.platform}:${l.channel}`;
const opOf = (o: ShowOutcome): ChatOp => (o === 'posted' ? 'post' : o === 'updated' ? 'update' : 'skip');

interface LaneState {
  lane: OutboxLane;
  port: ChatPlatformPort;
  leaseKey: string;
  holderId: string;
  renewedAt: number;
  /** The next budget slot this replica may use in this lane (local pacing, also when Redis is down). */
  nextSlot: number;
  digestRefreshAt: number;
  digestRefreshedAt: number;
  /** Cards on the digest as last shown, and cards known to be posted: both are visible. */
  listed: Set<string>;
  carded: Set<string>;
  lost: boolean;
}

export class OutboxWorker implements BackgroundWorker {
  readonly name = 'alert outbox';
  private readonly o: typeof DEFAULTS;
  private readonly workerId: string;
  private readonly now: () => Date;
  private readonly lanes = new Map<string, Promise<void>>();
  /** The lanes being worked, for stop() to give back those still sending at its deadline. */
  private readonly laneStates = new Map<string, LaneState>();
  private readonly stop$ = new AbortController();
  private wake$ = new AbortController();
  private loop: Promise<void> | null = null;
  private unlisten: (() => void) | null = null;
  /** When this replica last read the outbox (or started): its health, for /readyz and the heartbeat. */
  private lastReadAt: number | null = null;
  /** Problems already logged, so a loop that meets the same one every tick says it once. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly config: FirebreakConfig,
    private readonly ports: AlertsPorts,
    private readonly outbox: OutboxStore,
    private readonly digests: DigestStore,
    private readonly metrics: OutboxMetrics,
    opts: OutboxWorkerOptions = {},
  ) {
    const { workerId, now, ...rest } = opts;
    this.o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) };
    this.workerId = workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.now = now ?? (() => new Date());
  }

  private get slotMs(): number {
    return 60_000 / this.config.alerts.cards_per_minute;
  }

  private get stormThreshold(): number {
    return Math.max(1, Math.floor(this.o.stormWindowMs / this.slotMs));
  }

  start(): void {
    if (this.loop) return;
    this.lastReadAt = Date.now();
    // Pokes through the ports (/drill) wake it like a webhook's do, for as long as it runs.
    this.unlisten = this.ports.outboxWake?.listen(() => this.poke()) ?? null;
    this.loop = this.discover();
  }

  /**
   * Null while the worker reads the outbox as it should; else why not, in a sentence (not started,
   * stopped, or no successful read for 30 s or 10 polls, whichever is longer: the store is away).
   */
  problem(): string | null {
    if (this.lastReadAt === null) return 'the alert outbox worker is not running';
    if (this.stopping) return 'the alert outbox worker is stopping';
    const staleMs = Math.max(30_000, this.o.pollMs * 10);
    const since = Date.now() - this.lastReadAt;
    return since > staleMs ? `the alert outbox has not been read for ${Math.round(since / 1000)} s` : null;
  }

  /** Look for work now (a webhook just stored something) instead of at the next poll. */
  poke(): void {
    this.wake$.abort();
  }

  /**
   * Stops taking work, lets each lane finish the message it is sending, and gives back its lanes
   * and claims, so another replica carries on at once. With a deadline, a send still going on just
   * before it is not waited for: its lane and row are given back all the same, and its card's own
   * post claim keeps another replica from posting it again meanwhile, as after a crash.
   */
  async stop(opts: Partial<StopBy> = {}): Promise<void> {
    this.stop$.abort();
    this.unlisten?.();
    this.unlisten = null;
    const inHand = (async () => {
      await this.loop;
      await Promise.allSettled([...this.lanes.values()]);
    })();
    if (opts.deadline === undefined) await inHand;
    else if (!(await settlesWithin(inHand, msLeft(opts.deadline) - HAND_BACK_MS))) {
      await Promise.allSettled([...this.laneStates.values()].map((st) => this.ports.leases.release(st.leaseKey, st.holderId)));
    }
    await this.outbox.releaseAll(this.workerId).catch((err: unknown) => this.warnOnce('release', `Could not give back this replica's outbox claims at shutdown (${this.redact(err)}); they expire in ${this.o.claimMs / 1000} s.`));
  }

  /** Lanes this replica works right now (tests, diagnostics). */
  activeLanes(): string[] {
    return [...this.lanes.keys()];
  }

  private get stopping(): boolean {
    return this.stop$.signal.aborted;
  }

  private async discover(): Promise<void> {
    while (!this.stopping) {
      const lookedAt = Date.now();
      try {
        const platforms = this.ports.chat.all().map((p) => p.platform);
        const [due, storms] = await Promise.all([this.outbox.dueLanes(GROUP_KEY_PREFIX, platforms), this.digests.openLanes(platforms)]);
        for (const lane of [...due, ...storms]) {
          if (!this.lanes.has(laneKey(lane))) await this.tryLane(lane);
        }
        this.reported.delete('discover');
        this.lastReadAt = Date.now();
      } catch (err) {
        this.warnOnce('discover', `The alert outbox could not be read (${this.redact(err)}); cards wait until it can.`);
      }
      await this.pause(this.o.pollMs, true);
      // Woken by a poke right after a look: the next look waits out the gap (the pokes meanwhile are one).
      const gap = Math.min(this.o.pokeGapMs, this.o.pollMs) - (Date.now() - lookedAt);
      if (gap > 0) await this.pause(gap, false);
    }
  }

  private async tryLane(lane: OutboxLane): Promise<void> {
    const port = this.ports.chat.get(lane.platform);
    if (!port) return;
    const key = laneKey(lane);
    const leaseKey = `alert-outbox:${key}`;
    const holderId = `${this.workerId}:${key}`;
    const lease = await this.ports.leases.acquire(leaseKey, { id: holderId, actorName: `outbox worker ${this.workerId}`, description: `alert cards for #${lane.channel} on ${lane.platform}` }, this.o.laneLeaseMs);
    if (!lease.acquired) return;
    const state: LaneState = { lane, port, leaseKey, holderId, renewedAt: Date.now(), nextSlot: 0, digestRefreshAt: 0, digestRefreshedAt: 0, listed: new Set(), carded: new Set(), lost: false };
    const run = this.runLane(state).finally(() => {
      this.lanes.delete(key);
      this.laneStates.delete(key);
    });
    this.laneStates.set(key, state);
    this.lanes.set(key, run);
  }

  private async runLane(st: LaneState): Promise<void> {
    try {
      while (!this.stopping && !st.lost) {
        const next = await this.step(st);
        if (next === 'done') break;
        if (next === 'wait') await this.pause(this.o.pollMs, false);
      }
    } catch (err) {
      if (!this.stopping) {
        const log = st.lost ? this.ports.logger.warn.bind(this.ports.logger) : this.ports.logger.error.bind(this.ports.logger);
        log({ lane: laneKey(st.lane), err: this.redact(err) }, `This replica stopped working the alert cards of #${st.lane.channel} on ${st.lane.platform}: ${this.redact(err)}. The next poll (here or on another replica) takes them up again.`);
      }
    } finally {
      if (!st.lost) await this.ports.leases.release(st.leaseKey, st.holderId).catch(() => {});
    }
  }

  /** One thing for the lane: open, refresh or close its digest, or show one card. */
  private async step(st: LaneState): Promise<'progress' | 'wait' | 'done'> {
    await this.renew(st);
    const { lane } = st;
    const pending = await this.outbox.pendingCount(lane, GROUP_KEY_PREFIX);
    let digest = await this.digests.get(lane);
    if (!digest?.open && pending > this.stormThreshold) {
      digest = await this.digests.open(lane);
      st.digestRefreshAt = 0;
      this.ports.logger.warn({ lane: laneKey(lane), pending, storm: digest.storm }, `Alert storm in #${lane.channel} on ${lane.platform}: ${pending} cards waiting, more than ${this.config.alerts.cards_per_minute}/min can show soon; keeping a digest up until they are shown`);
    }
    if (digest?.open) {
      if (pending === 0) {
        await this.closeDigest(st, digest);
        return 'progress';
      }
      const now = Date.now();
      if (now >= st.digestRefreshAt || (now >= st.digestRefreshedAt + this.o.digestMinMs && (await this.someoneInvisible(st)))) {
        await this.refreshDigest(st, digest);
        st.digestRefreshedAt = Date.now();
        st.digestRefreshAt = st.digestRefreshedAt + this.o.digestRefreshMs;
        return 'progress';
      }
    }
    if (pending === 0) return 'done';
    await this.takeSlot(st);
    const row = await this.outbox.claimNext(lane, GROUP_KEY_PREFIX, this.workerId, this.o.claimMs);
    if (!row) {
      // Waiting rows are backing off or held by a crashed worker's claim: the lane comes back when they are due.
      return digest?.open ? 'wait' : 'done';
    }
    await this.sendCard(st, row);
    return 'progress';
  }

  private async sendCard(st: LaneState, row: OutboxRow): Promise<void> {
    const store = this.ports.alerts;
    // `alert-group:42` or its copy in the incident channel, `alert-group:42@incident`.
    const groupId = row.key.slice(GROUP_KEY_PREFIX.length).split('@')[0]!;
    const render = async (): Promise<Reply> => {
      const card = await currentCard(store, this.config, groupId, this.now());
      if (!card) throw new GroupGone(`alert group ${groupId} is gone`);
      return card.reply;
    };
    try {
      const shown = await showMessage(this.ports.messageRefs, row.key, st.port, { name: row.channel }, render, { priority: 'system', staleClaimMs: this.o.staleClaimMs });
      this.metrics.chatMessage(st.port.platform, opOf(shown.outcome));
      if (shown.outcome === 'busy') {
        // Another replica is posting this card right now; it shows the latest state once posted.
        await this.outbox.release(row, this.workerId, this.slotMs);
        return;
      }
      await this.outbox.complete(row, this.workerId);
    } catch (err) {
      if (err instanceof GroupGone) {
        await this.outbox.complete(row, this.workerId);
        return;
      }
      const backoff = Math.min(this.o.maxBackoffMs, 1000 * 2 ** Math.min(row.attempts, 16));
      const why = this.redact(err);
      this.ports.logger.error(
        { key: row.key, platform: row.platform, channel: row.channel, attempts: row.attempts + 1, err: why },
        `Could not show the card of alert group ${groupId} in #${row.channel} on ${row.platform}: ${why}. Trying again in ${Math.round(backoff / 1000)} s.`,
      );
      await this.outbox.release(row, this.workerId, backoff, why.slice(0, 1000));
    }
  }

  /** A waiting card whose group is neither on the digest nor on a card of its own yet. */
  private async someoneInvisible(st: LaneState): Promise<boolean> {
    for (const row of await this.outbox.pending(st.lane, GROUP_KEY_PREFIX, DIGEST_READ_LIMIT)) {
      if (st.listed.has(row.key) || st.carded.has(row.key)) continue;
      if ((await this.ports.messageRefs.get(row.key, st.port.platform))?.ref) {
        st.carded.add(row.key);
        continue;
      }
      return true;
    }
    return false;
  }

  /** The waiting groups, as the store has them now (one read, however many are waiting). */
  private async waitingGroups(lane: OutboxLane): Promise<AlertGroup[]> {
    const rows = await this.outbox.pending(lane, GROUP_KEY_PREFIX, DIGEST_READ_LIMIT);
    const idOf = (r: OutboxRow) => r.key.slice(GROUP_KEY_PREFIX.length).split('@')[0]!;
    const byId = new Map((await this.ports.alerts.getMany(rows.map(idOf))).map((g) => [g.id, g]));
    return rows.flatMap((r) => byId.get(idOf(r)) ?? []);
  }

  private async refreshDigest(st: LaneState, digest: DigestState): Promise<void> {
    const { lane, port } = st;
    const now = this.now();
    const plan = planDigest(await this.waitingGroups(lane), port.platform, now);
    st.listed = new Set(plan.groups.slice(0, plan.listed).map((g) => groupMessageKey(g.id)));
    const last = Math.max(plan.pages, digest.pages);
    for (let page = 1; page <= last && !this.stopping; page++) {
      await this.showDigestPage(st, digestKey(lane.channel, digest.storm, page), renderDigestPage(plan, page, lane.channel, this.config.alerts.cards_per_minute, now));
      if (page > digest.pages) await this.digests.postedPages(lane, digest.storm, page);
    }
  }

  private async closeDigest(st: LaneState, digest: DigestState): Promise<void> {
    const now = this.now();
    for (let page = 1; page <= digest.pages; page++) {
      if (this.stopping) return;
      await this.showDigestPage(st, digestKey(st.lane.channel, digest.storm, page), renderDigestOver(page, st.lane.channel, digest.openedAt, now));
    }
    await this.digests.close(st.lane, digest.storm);
    this.ports.logger.info({ lane: laneKey(st.lane), storm: digest.storm }, `Alert storm in #${st.lane.channel} on ${st.lane.platform} is over: every card is up to date`);
  }

  /** A page that would look the same costs no slot; a failed page is tried again at the next refresh. */
  private async showDigestPage(st: LaneState, key: string, reply: Reply): Promise<void> {
    const stored = await this.ports.messageRefs.get(key, st.port.platform);
    if (stored?.renderedHash === renderedHash(reply)) {
      this.metrics.chatMessage(st.port.platform, 'skip');
      return;
    }
    await this.takeSlot(st);
    try {
      const shown = await showMessage(this.ports.messageRefs, key, st.port, { name: st.lane.channel }, reply, { priority: 'system' });
      this.metrics.chatMessage(st.port.platform, opOf(shown.outcome));
    } catch (err) {
      this.ports.logger.error({ key, platform: st.port.platform, err: this.redact(err) }, `Could not show the alert storm digest in #${st.lane.channel} on ${st.port.platform}: ${this.redact(err)}`);
    }
  }

  /** Waits for this lane's next budget slot, shared with every replica through the coordination. */
  private async takeSlot(st: LaneState): Promise<void> {
    const slotMs = this.slotMs;
    for (;;) {
      if (this.stopping) throw new Error('stopping');
      await this.renew(st);
      const now = Date.now();
      const slot = Math.floor(now / slotMs);
      if (slot >= st.nextSlot) {
        let mine = true;
        try {
          mine = await this.ports.coordination.claimOnce(`alert-budget:${laneKey(st.lane)}:${slot}`, Math.max(1000, slotMs * 2));
          this.reported.delete('budget');
        } catch (err) {
          // Redis down: this replica paces the lane alone (it holds the lane's lease, so others do not send to it).
          this.warnOnce('budget', `The shared alert card budget is unavailable (${this.redact(err)}); pacing each channel by this replica alone.`);
        }
        if (mine) {
          st.nextSlot = slot + 1;
          return;
        }
      }
      await this.pause(Math.max(5, (slot + 1) * slotMs - now + 2), false);
    }
  }

  private async renew(st: LaneState): Promise<void> {
    if (Date.now() - st.renewedAt < this.o.laneLeaseMs / 3) return;
    if (!(await this.ports.leases.renew(st.leaseKey, st.holderId, this.o.laneLeaseMs))) {
      st.lost = true;
      throw new Error(`its lease on the lane was taken over (it was not renewed within ${this.o.laneLeaseMs} ms)`);
    }
    st.renewedAt = Date.now();
  }

  /** Sleeps, cut short by stop() (and by poke() where `wakeable`). */
  private async pause(ms: number, wakeable: boolean): Promise<void> {
    if (this.stopping) return;
    const signals = [this.stop$.signal, ...(wakeable ? [this.wake$.signal] : [])];
    try {
      await sleep(ms, undefined, { signal: AbortSignal.any(signals) });
    } catch {
      /* woken */
    }
    if (wakeable && this.wake$.signal.aborted) this.wake$ = new AbortController();
  }

  private warnOnce(key: string, text: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.ports.logger.warn({ worker: this.workerId }, text);
  }

  private redact(err: unknown): string {
    return this.ports.redactor.redact(message(err));
  }
}
