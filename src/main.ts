/**
 * Composition root: the only place concrete classes are built and wired together.
 * Everything else receives its collaborators through the ports in src/core.
 */
import { resolve } from 'node:path';
import type { RuntimeEnv } from './config/env.js';
import type { LoadedConfig } from './config/load.js';
import { InProcessBackupJobs } from './backups/backup-jobs.js';
import { commands } from './commands/index.js';
import { MemoryCoordination } from './coordination/memory-coordination.js';
import { FallbackDeliveryClaims } from './coordination/fallback-claims.js';
import { RedisCoordination } from './coordination/redis-coordination.js';
import { ButtonRegistry } from './core/button-handlers.js';
import { coreButtons } from './core/buttons/index.js';
import { incidentButtons } from './incidents/buttons/index.js';
import { ChatPlatformDirectory } from './core/chat-directory.js';
import type { ConsoleMessageStore } from './core/console-messages.js';
import { Dispatcher } from './core/dispatcher.js';
import type { Coordination, Logger } from './core/ports.js';
import { Redactor } from './core/redact.js';
import { CommandRegistry } from './core/registry.js';
import type { Ports } from './core/services.js';
import { ConsoleChatPort } from './chat/console/console-chat-port.js';
import { newConsoleToken, registerRemoteConsole, writeServerInfo } from './chat/console/remote-endpoint.js';
import type { DiscordChat } from './chat/discord/discord-chat.js';
import type { SlackChatPort } from './chat/slack/slack-chat-port.js';
import { slackMode } from './chat/slack/slack-mode.js';
import { registerAlertWebhooks } from './http/alert-webhooks.js';
import { registerCoreRoutes } from './http/core-routes.js';
import { PromMetrics } from './http/metrics.js';
import { Router } from './http/router.js';
import { startHttpServer, type RunningServer } from './http/server.js';
import { ConfiguredActionRunner } from './integrations/actions/action-runner.js';
import { ServiceDeployer } from './integrations/deploy/deployer.js';
import { StreamingBackupRunner } from './integrations/backup/backup-runner.js';
import { NetworkHealthProber } from './integrations/health/health-prober.js';
import { createLogger } from './logging/logger.js';
import { BackupScheduler } from './scheduler/backup-scheduler.js';
import { IncidentReminderScheduler } from './scheduler/incident-reminder-scheduler.js';
import { SqlBackupReportRepository } from './store/backup-report-repository.js';
import { SqlBackupRepository } from './store/backup-repository.js';
import { SqlConfirmationRepository } from './store/confirmation-repository.js';
import { SqlConsoleMessageRepository } from './store/console-message-repository.js';
import { SqlDeliveryClaimRepository } from './store/delivery-claim-repository.js';
import type { Db } from './store/db.js';
import { SqlLeaseRepository } from './store/lease-repository.js';
import { SqlMessageRefRepository } from './store/message-ref-repository.js';
import { openStore } from './store/open-store.js';
import { storeProbe } from './store/store-probe.js';
import { SqlTimelineRepository } from './store/timeline-repository.js';
import { SqlTransactor } from './store/sql-transactor.js';
import { SqlAlertStore } from './store/alert-repository.js';
import { SqlIncidentStore } from './store/incident-repository.js';
import { reminderPolicy } from './incidents/reminder-policy.js';
import { TimelineRecorder } from './core/timeline.js';

export interface App {
  runtime: RuntimeEnv;
  loaded: LoadedConfig;
  db: Db;
  coordination: Coordination;
  ports: Ports;
  /** The same directory as ports.chat, with register(): platforms add themselves when they start. */
  chat: ChatPlatformDirectory;
  /** The console platform's messages: what `firebreak console` shows (ports.chat has the port over them). */
  consoleMessages: ConsoleMessageStore;
  dispatcher: Dispatcher;
  metrics: PromMetrics;
  logger: Logger;
  close(): Promise<void>;
}

export function buildRedactor(runtime: RuntimeEnv, loaded: LoadedConfig): Redactor {
  const envSecrets = [
    runtime.slack.botToken,
    runtime.slack.signingSecret,
    runtime.slack.appToken,
    runtime.discord.botToken,
    runtime.discord.publicKey,
  ].filter((v): v is string => !!v);
  return new Redactor([...loaded.secrets, ...envSecrets]);
}

export async function buildApp(
  runtime: RuntimeEnv,
  loaded: LoadedConfig,
  opts: { logger?: Logger; db?: Db; defaultMetrics?: boolean } = {},
): Promise<App> {
  const redactor = buildRedactor(runtime, loaded);
  const logger = opts.logger ?? createLogger(runtime.logLevel, redactor);
  const db = opts.db ?? (await openStore(runtime));
  let coordination: Coordination = new MemoryCoordination();
  if (runtime.redisUrl) {
    const redis = new RedisCoordination(runtime.redisUrl, { logger });
    // Redis being down is exactly when people need /health: start anyway, keep reconnecting, and
    // let /readyz say so. Chat deliveries go on: read-only ones without the duplicate check,
    // mutating ones deduplicated in the store (FallbackDeliveryClaims).
    await redis.connect().catch((err: unknown) => {
      // The cause (WRONGPASS, ECONNREFUSED…) is in the message; the reconnect loop does not log it again.
      const why = redactor.redact(err instanceof Error ? err.message : String(err));
      logger.error({ err: why }, `Redis is unreachable: ${why}. Retrying in the background; /readyz reports not ready until it answers, and mutating chat commands are deduplicated in the database meanwhile.`);
    });
    coordination = redis;
  }
  const registry = new CommandRegistry(commands);
  const chat = new ChatPlatformDirectory();
  // Every process has the console, so what the system posts has somewhere to go with no Slack or Discord.
  const consoleMessages = new SqlConsoleMessageRepository(db);
  chat.register(new ConsoleChatPort(consoleMessages));
  const timeline = new TimelineRecorder(new SqlTimelineRepository(db), redactor);
  const ports: Ports = {
    registry,
    buttons: new ButtonRegistry([...coreButtons, ...incidentButtons]),
    timeline,
    transactor: new SqlTransactor(db, (repo) => new TimelineRecorder(repo, redactor)),
    alerts: new SqlAlertStore(db, (repo) => new TimelineRecorder(repo, redactor)),
    incidents: new SqlIncidentStore(db, (repo) => new TimelineRecorder(repo, redactor), { reminders: reminderPolicy(loaded.config.incidents) }),
    leases: new SqlLeaseRepository(db),
    confirmations: new SqlConfirmationRepository(db),
    coordination,
    deliveries: new FallbackDeliveryClaims({ coordination, store: new SqlDeliveryClaimRepository(db), registry, timeline, redactor, logger }),
    health: new NetworkHealthProber(storeProbe(db), redactor),
    actions: new ConfiguredActionRunner(),
    deploy: new ServiceDeployer(),
    backups: { records: new SqlBackupRepository(db), runner: new StreamingBackupRunner(), jobs: new InProcessBackupJobs(), reports: new SqlBackupReportRepository(db) },
    chat,
    messageRefs: new SqlMessageRefRepository(db),
    redactor,
    logger,
    storeDescription: db.description,
  };
  const metrics = new PromMetrics({ defaultMetrics: opts.defaultMetrics });
  const dispatcher = new Dispatcher(loaded.config, ports, metrics);
  return {
    runtime,
    loaded,
    db,
    coordination,
    ports,
    chat,
    consoleMessages,
    dispatcher,
    metrics,
    logger,
    async close() {
      await coordination.close();
      if (!opts.db) await db.close();
    },
  };
}

export interface Running {
  app: App;
  http: RunningServer;
  /** Chat platforms Firebreak can post to on its own (alerts, incident channels); set when configured. */
  chat: { discord?: DiscordChat; slack?: SlackChatPort };
  close(): Promise<void>;
}

/** `firebreak start`: the HTTP server, every configured chat platform and the scheduler. */
export async function startFirebreak(runtime: RuntimeEnv, loaded: LoadedConfig, opts: { host?: string } = {}): Promise<Running> {
  const app = await buildApp(runtime, loaded);
  const router = new Router();
  registerCoreRoutes(router, {
    metrics: app.metrics,
    readiness: [
      { name: 'store', check: async () => void (await app.db.query('SELECT 1')) },
      ...(runtime.redisUrl ? [{ name: 'redis', check: () => app.coordination.ping() }] : []),
    ],
  });
  const closers: (() => Promise<void> | void)[] = [];
  let http: RunningServer;
  const chat: Running['chat'] = {};
  try {
    const token = newConsoleToken();
    registerRemoteConsole(router, { dispatcher: app.dispatcher, messages: app.consoleMessages }, token);
    registerAlertWebhooks(router, { config: loaded.config, ports: app.ports, logger: app.logger, metrics: app.metrics });
    if (runtime.discord.applicationId || runtime.discord.publicKey) {
      // Loaded only when configured: discord.js adds startup time every other CLI command would pay.
      const { startDiscord } = await import('./chat/discord/start-discord.js');
      const discord = startDiscord(router, { runtime, dispatcher: app.dispatcher, ports: app.ports, logger: app.logger });
      if (discord) {
        chat.discord = discord.chat;
        app.chat.register(discord.chat);
        // Deferred results still on their way to Discord are waited for before the store closes.
        closers.push(() => discord.drain());
      }
    }
    if (slackMode(runtime.slack) !== 'off') {
      // Loaded only when configured, like Discord: Bolt is heavy for `firebreak run`.
      const { startSlack } = await import('./chat/slack/start-slack.js');
      const slack = await startSlack(runtime.slack, {
        dispatcher: app.dispatcher,
        coordination: app.coordination,
        deliveries: app.ports.deliveries,
        logger: app.logger,
        redactor: app.ports.redactor,
        router,
        incidentChannel: async (platform, channelId) => (await app.ports.incidents.byChannel(platform, channelId)) !== null,
      });
      if (slack) {
        chat.slack = slack.chat;
        app.chat.register(slack.chat);
        closers.push(() => slack.close());
      }
    }
    http = await startHttpServer(router, runtime.port, app.logger, opts.host);
    // Only the embedded store is exclusive; with PostgreSQL, `firebreak run` opens its own connection.
    if (app.db.kind === 'pglite') closers.push(writeServerInfo(resolve(runtime.dataDir), http.port, token).remove);
    // Every replica schedules; each slot is claimed once through the coordination (Redis with REDIS_URL).
    // Its reports go to app.ports.chat's announcers, so any replica updates the day's report.
    const backupScheduler = new BackupScheduler(loaded.config, app.ports);
    backupScheduler.start();
    closers.push(() => backupScheduler.stop());
    // Every replica looks for due incident reminders; each is claimed (and so sent) by one.
    const reminders = new IncidentReminderScheduler(loaded.config, app.ports);
    reminders.start();
    closers.push(() => reminders.stop());
  } catch (err) {
    for (const c of closers.reverse()) await c();
    await app.close();
    throw err;
  }
  app.logger.info(
    { port: http.port, store: app.db.description, coordination: app.coordination.kind, config: loaded.source },
    `Firebreak listening on :${http.port}`,
  );
  return {
    app,
    http,
    chat,
    async close() {
      for (const c of closers.reverse()) await c();
      await http.close();
      await app.close();
    },
  };
}

