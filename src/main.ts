/**
 * Composition root: the only place concrete classes are built and wired together.
 * Everything else receives its collaborators through ports: the core's (src/core/services.ts) and
 * each room's, gathered in AppPorts (src/app/ports.ts).
 */
import type { AppPorts } from './app/ports.js';
import type { RuntimeEnv } from './config/env.js';
import type { LoadedConfig } from './config/load.js';
import { alertButtons } from './alerts/buttons/index.js';
import { OutboxWorker, type OutboxWorkerOptions } from './alerts/outbox-worker.js';
import { OutboxWake } from './alerts/outbox-wake.js';
import { InProcessBackupJobs } from './backups/backup-jobs.js';
import { commands } from './commands/index.js';
import { MemoryCoordination } from './coordination/memory-coordination.js';
import { FallbackDeliveryClaims } from './coordination/fallback-claims.js';
import { ButtonRegistry } from './core/button-handlers.js';
import { coreButtons } from './core/buttons/index.js';
import { incidentButtons } from './incidents/buttons/index.js';
import { procedureButtons } from './procedures/buttons/index.js';
import { checkProcedureCommands } from './app/procedure-commands.js';
import { SqlProcedureRunRepository } from './store/procedure-run-repository.js';
import { reminderPolicy } from './incidents/reminder-policy.js';
import { ChatPlatformDirectory } from './core/chat-directory.js';
import type { ConsoleMessageStore } from './core/console-messages.js';
import { Dispatcher } from './core/dispatcher.js';
import type { Coordination, Logger } from './core/ports.js';
import { Redactor } from './core/redact.js';
import { CommandRegistry } from './core/registry.js';
import { ConsoleChatPort } from './chat/console/chat-port.js';
import { consolePlatform } from './chat/console/platform.js';
import { discordPlatform } from './chat/discord/platform.js';
import { slackPlatform } from './chat/slack/platform.js';
import type { PlatformModule, StartedPlatform } from './chat/platform-module.js';
import type { PlatformId } from './config/platforms.js';
import { LOOPBACK_ONLY_WARNING, registerAlertWebhooks } from './http/alert-webhooks.js';
import { registerCoreRoutes, runReadiness, type Readiness } from './http/core-routes.js';
import { HeartbeatScheduler } from './scheduler/heartbeat.js';
import { pingHeartbeat } from './integrations/heartbeat/ping.js';
import { PromMetrics } from './http/metrics.js';
import { Router } from './http/router.js';
import { startHttpServer, type RunningServer } from './http/server.js';
import { ConfiguredActionRunner } from './integrations/actions/action-runner.js';
import { AlertmanagerSilences } from './integrations/alertmanager/silences.js';
import { ServiceDeployer } from './integrations/deploy/deployer.js';
import { StreamingBackupRunner } from './integrations/backup/backup-runner.js';
import { NetworkHealthProber } from './integrations/health/health-prober.js';
import { PagerDutyEvents } from './integrations/pagerduty/events-client.js';
import { createLogger } from './logging/logger.js';
import { BackupScheduler } from './scheduler/backup-scheduler.js';
import { IncidentReminderScheduler } from './scheduler/incident-reminder-scheduler.js';
import { BackgroundWorkers } from './scheduler/workers.js';
import { InterruptedStepSweeper } from './scheduler/interrupted-step-sweeper.js';
import { ProcedureRunSweeper } from './scheduler/procedure-run-sweeper.js';
import { ProcedureScheduler, proceduresScheduled } from './scheduler/procedure-scheduler.js';
import { DrillScheduler, drillsScheduled } from './scheduler/drill-scheduler.js';
import { DrillSweeper } from './scheduler/drill-sweeper.js';
import { EscalationJob, escalationConfigured } from './alerts/escalation.js';
import { HealthWatch, healthWatchConfigured } from './alerts/health-watch.js';
import { ingestNotification } from './alerts/ingest.js';
import type { AlertNotification } from './alerts/model.js';
import { SqlHealthWatchRepository } from './store/health-watch-repository.js';
import { SqlWatchdogRepository } from './store/watchdog-repository.js';
import { SqlMaintenanceRepository } from './store/maintenance-repository.js';
import { MaintenanceWorker } from './alerts/maintenance-worker.js';
import { SqlDiagnosisRepository } from './store/diagnosis-repository.js';
import { AlertDiagnoser, diagnosesConfigured } from './scheduler/alert-diagnoser.js';
import { DiagnosisSweeper } from './scheduler/diagnosis-sweeper.js';
import { windowsBetween } from './alerts/maintenance.js';
import { WatchdogWatch, pipelineSilentSince } from './alerts/watchdog.js';
import { SqlBackupReportRepository } from './store/backup-report-repository.js';
import { SqlBackupRepository } from './store/backup-repository.js';
import { SqlConfirmationRepository } from './store/confirmation-repository.js';
import { SqlConsoleMessageRepository } from './store/console-message-repository.js';
import { SqlDeliveryClaimRepository } from './store/delivery-claim-repository.js';
import type { Db } from './store/db.js';
import { SqlLeaseRepository } from './store/lease-repository.js';
import { SqlMessageRefRepository } from './store/message-ref-repository.js';
import { SqlLinkSecretRepository } from './store/link-secret-repository.js';
import { linkSecret, postmortemPath, signedUrl, timelinePath } from './web/signed-links.js';
import { storeDraftSource, type DraftSource } from './postmortems/draft-source.js';
import { postmortemService } from './postmortems/postmortem-service.js';
import { reactToAlert } from './incidents/alert-incidents.js';
import { registerPostmortemRoutes } from './http/postmortem-routes.js';
import { registerWebRoutes } from './http/web-routes.js';
import type { WebSources } from './web/ports.js';
import { SqlPublicUpdateRepository } from './store/public-update-repository.js';
import { openStore } from './store/open-store.js';
import { countFiringGroups, SqlDigestRepository, SqlOutboxRepository } from './store/outbox-repository.js';
import { loadMigrations, migrate } from './store/migrate.js';
import { storeProbe } from './store/store-probe.js';
import { countRecordedCommands, SqlTimelineRepository } from './store/timeline-repository.js';
import { SqlTransactor } from './store/sql-transactor.js';
import { INGEST_STATEMENTS, SqlAlertStore } from './store/alert-repository.js';
import { SqlIncidentStore } from './store/incident-repository.js';
import { KeptRecords } from './core/kept-records.js';
import { TimelineRecorder } from './core/timeline.js';
import { StepRunner } from './core/step-runner.js';
import type { FirebreakConfig } from './config/schema.js';
import { PostmortemDirectory } from './integrations/directory/postmortem-files.js';
import { GitHubIssues } from './integrations/github/issues-client.js';
import { JiraIssues } from './integrations/jira/issues-client.js';
import { postmortemRetryButton } from './postmortems/retry-button.js';
import type { TicketSystem } from './postmortems/ticket-system.js';
import { SqlPostmortemTicketRepository } from './store/postmortem-ticket-repository.js';

/** The chat platforms `firebreak start` starts when their environment turns them on; the console always starts. */
const CHAT_PLATFORM_MODULES: readonly PlatformModule[] = [discordPlatform, slackPlatform];

export interface App {
  runtime: RuntimeEnv;
  loaded: LoadedConfig;
  db: Db;
  coordination: Coordination;
  ports: AppPorts;
  /** The same directory as ports.chat, with register(): platforms add themselves when they start. */
  chat: ChatPlatformDirectory;
  /** The console platform's messages: what `firebreak console` shows (ports.chat has the port over them). */
  consoleMessages: ConsoleMessageStore;
  /** Where GET /incidents/:id/postmortem.md gets its draft and verifies its link. */
  drafts: { source: DraftSource; secret: () => Promise<string> };
  /** What the web pages read (src/http/web-routes.tsx). */
  web: WebSources;
  /** The signed link to an incident's timeline page (the Open timeline button). */
  timelineUrl: (incidentId: string) => Promise<string>;
  dispatcher: Dispatcher<AppPorts>;
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
    runtime.linkSecret,
    // A routing key written into the YAML as it is (not through ${VAR}) is a secret all the same.
    loaded.config.alerts.pagerduty?.routing_key,
    // Ticket tokens may be written into the config itself rather than taken from ${VAR}.
    loaded.config.postmortems.github?.token,
    loaded.config.postmortems.jira?.token,
  ].filter((v): v is string => !!v);
  const c = loaded.config;
  const names = [c.services, c.datastores, c.actions, c.backups.targets].flatMap((r) => Object.keys(r));
  return new Redactor([...loaded.secrets, ...envSecrets], names);
}

/** The ticket systems `postmortems:` configures, in a fixed order (GitHub, Jira, directory). */
export function ticketSystems(config: FirebreakConfig): TicketSystem[] {
  const pm = config.postmortems;
  const systems: TicketSystem[] = [];
  if (pm.github) systems.push(new GitHubIssues({ repo: pm.github.repo, token: pm.github.token, labels: pm.github.labels, apiUrl: pm.github.api_url }));
  if (pm.jira) {
    const j = pm.jira;
    systems.push(new JiraIssues({ url: j.url, project: j.project, issueType: j.issue_type, subtaskType: j.subtask_type, email: j.email, token: j.token, labels: j.labels }));
  }
  if (pm.directory) systems.push(new PostmortemDirectory(pm.directory.path));
  return systems;
}

export async function buildApp(
  runtime: RuntimeEnv,
  loaded: LoadedConfig,
  opts: { logger?: Logger; logDestination?: NodeJS.WritableStream; db?: Db; defaultMetrics?: boolean } = {},
): Promise<App> {
  checkProcedureCommands(loaded);
  const redactor = buildRedactor(runtime, loaded);
  // The log shares the app's redactor, so secrets learned at run time (secret params) are masked there too.
  const logger = opts.logger ?? createLogger(runtime.logLevel, redactor, opts.logDestination);
  const db = opts.db ?? (await openStore(runtime));
  let coordination: Coordination = new MemoryCoordination();
  if (runtime.redisUrl) {
    // ioredis loads only with REDIS_URL (~8 MB resident): a `firebreak run` on one machine has none.
    const { RedisCoordination } = await import('./coordination/redis-coordination.js');
    const redis = new RedisCoordination(runtime.redisUrl, { logger });
    // Redis being down is exactly when people need /health: start anyway, keep reconnecting, and
    // let /readyz say so. Chat deliveries go on: read-only ones without the duplicate check,
    // mutating ones deduplicated in the store (FallbackDeliveryClaims).
    await redis.connect().catch((err: unknown) => {
      // The cause (WRONGPASS, ECONNREFUSED…) is in the message; the reconnect loop does not log it again.
      const why = redactor.redact(err instanceof Error ? err.message : String(err));
      logger.error({ err: why }, `Redis is unreachable: ${why}. Retrying in the background; /readyz reports "degraded" until it answers, and mutating chat commands are deduplicated in the database meanwhile.`);
    });
    coordination = redis;
  }
  const registry = new CommandRegistry<AppPorts>(commands);
  const chat = new ChatPlatformDirectory();
  // Domains' buttons beside the core's; each is one handler per action-id prefix.
  const buttons = new ButtonRegistry<AppPorts>([...coreButtons, ...alertButtons, postmortemRetryButton, ...incidentButtons, ...procedureButtons<AppPorts>()]);
  // Every process has the console, so what the system posts has somewhere to go with no Slack or Discord.
  const consoleMessages = new SqlConsoleMessageRepository(db);
  chat.register(new ConsoleChatPort(consoleMessages, redactor));
  // Concurrent commands' outcome rows go in one insert (each still stored before its person is told).
  const timelineRepo = new SqlTimelineRepository(db, { groupCommit: true });
  const kept = new KeptRecords((e) => timelineRepo.append(e), logger);
  const timeline = new TimelineRecorder(timelineRepo, redactor, kept);
  const leases = new SqlLeaseRepository(db);
  const incidents = new SqlIncidentStore(db, (repo) => new TimelineRecorder(repo, redactor), { reminders: reminderPolicy(loaded.config.incidents) });
  const metrics = new PromMetrics({ defaultMetrics: opts.defaultMetrics });
  // Links posted in chat (the timeline page, the post-mortem draft) are signed with one secret every replica shares.
  const linkSecretOf = linkSecret(runtime.linkSecret, new SqlLinkSecretRepository(db));
  const linkTtlMs = loaded.config.web.link_ttl_h * 3_600_000;
  // Rounded up to the hour, so a card redrawn within the hour renders the same link (and an unchanged card is not edited again).
  const timelineUrl = async (id: string) => signedUrl(runtime.publicUrl, timelinePath(id), await linkSecretOf(), new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000), linkTtlMs);
  // Built in dependency order, no field assigned later: the rooms' stores and the core's ports,
  // then the post-mortem service over them, then the incidents' reactions to alerts over that.
  const base = {
    registry,
    buttons,
    timeline,
    transactor: new SqlTransactor(db, (repo) => new TimelineRecorder(repo, redactor)),
    alerts: new SqlAlertStore(db, (repo) => new TimelineRecorder(repo, redactor)),
    incidents,
    incidentAttribution: incidents,
    leases,
    steps: new StepRunner({ leases, logger }),
    confirmations: new SqlConfirmationRepository(db),
    coordination,
    deliveries: new FallbackDeliveryClaims({ coordination, store: new SqlDeliveryClaimRepository(db), registry, buttons, timeline, redactor, logger }),
    health: new NetworkHealthProber(storeProbe(db), redactor),
    actions: new ConfiguredActionRunner(),
    deploy: new ServiceDeployer(),
    backups: { records: new SqlBackupRepository(db), runner: new StreamingBackupRunner(), jobs: new InProcessBackupJobs(), reports: new SqlBackupReportRepository(db) },
    chat,
    messageRefs: new SqlMessageRefRepository(db),
    procedureRuns: new SqlProcedureRunRepository(db),
    diagnoses: new SqlDiagnosisRepository(db),
    diagnosisMetrics: { diagnosis: (outcome: string) => metrics.diagnosis(outcome) },
    ...(loaded.config.alerts.pagerduty ? { paging: new PagerDutyEvents({ routingKey: loaded.config.alerts.pagerduty.routing_key, apiUrl: loaded.config.alerts.pagerduty.api_url }) } : {}),
    ...(loaded.config.alerts.watchdog ? { watchdog: new SqlWatchdogRepository(db) } : {}),
    maintenance: new SqlMaintenanceRepository(db),
    alertMetrics: metrics,
    drillMetrics: metrics,
    outboxWake: new OutboxWake(),
    ...(loaded.config.alerts.alertmanager_url ? { silences: new AlertmanagerSilences(loaded.config.alerts.alertmanager_url) } : {}),
    tickets: { systems: ticketSystems(loaded.config), tickets: new SqlPostmortemTicketRepository(db) },
    redactor,
    logger,
    storeDescription: db.description,
    timelineUrl,
  };
  // Post-mortems: drafted from the store on every request, linked with a signature every replica verifies.
  const draftUrl = async (id: string) => signedUrl(runtime.publicUrl, postmortemPath(id), await linkSecretOf(), new Date(), linkTtlMs);
  const drafts = storeDraftSource({ incidents: base.incidents, timeline: base.timeline, alerts: base.alerts, draftUrl });
  const withPostmortems = { ...base, postmortems: postmortemService({ ports: base, source: drafts, draftUrl }) };
  const ports: AppPorts = { ...withPostmortems, alertReactions: (result) => reactToAlert({ config: loaded.config, ports: withPostmortems }, result) };
  metrics.observeAlertGroupsFiring(() => countFiringGroups(db));
  if (loaded.config.alerts.watchdog) metrics.observeWatchdog(() => new SqlWatchdogRepository(db).lastSeen());
  metrics.observeRecordedCommands(() => countRecordedCommands(db));
  const dispatcher = new Dispatcher(loaded.config, ports, metrics);
  return {
    runtime,
    loaded,
    db,
    coordination,
    ports,
    chat,
    consoleMessages,
    drafts: { source: drafts, secret: linkSecretOf },
    web: {
      config: loaded.config,
      drafts,
      history: incidents,
      alerts: base.alerts,
      tickets: base.tickets.tickets,
      healthWatch: new SqlHealthWatchRepository(db),
      publicUpdates: new SqlPublicUpdateRepository(db, incidents),
      maintenance: { between: (from: Date, to: Date) => windowsBetween(loaded.config, base.maintenance, from, to) },
      secret: linkSecretOf,
      publicUrl: runtime.publicUrl,
      redactor,
      logger,
    },
    timelineUrl,
    dispatcher,
    metrics,
    logger,
    async close() {
      // What the store could not take during an outage gets one last chance before it closes.
      await kept.close();
      await coordination.close();
      if (!opts.db) await db.close();
    },
  };
}

export interface Running {
  app: App;
  http: RunningServer;
  /** The platforms that started (the console, and Slack and Discord when configured), by id; each is in app.chat. */
  platforms: ReadonlyMap<PlatformId, StartedPlatform>;
  /** Posts and updates alert cards on every replica; poke() it after storing alerts. */
  alertOutbox: OutboxWorker;
  /** The background workers this process runs (the alert outbox among them), started and stopped together. */
  workers: BackgroundWorkers;
  /**
   * Graceful shutdown: stop taking steps, let running ones finish within shutdown.grace_s (or until
   * `cutShort` resolves: a second signal), record the rest as interrupted, then close everything.
   */
  close(opts?: { cutShort?: Promise<unknown> }): Promise<void>;
}

/**
 * The alert outbox worker of an app, as `firebreak start` runs it on every replica. Options are
 * test knobs (poll interval, claim and lease times).
 */
export function buildAlertOutboxWorker(app: App, opts: OutboxWorkerOptions = {}): OutboxWorker {
  return new OutboxWorker(app.loaded.config, app.ports, new SqlOutboxRepository(app.db), new SqlDigestRepository(app.db), app.metrics, opts);
}

/** `firebreak start`: the HTTP server, every configured chat platform and the scheduler. */
export async function startFirebreak(runtime: RuntimeEnv, loaded: LoadedConfig, opts: { host?: string; logger?: Logger; logDestination?: NodeJS.WritableStream } = {}): Promise<Running> {
  // `logger` and `logDestination` are test knobs (to read what was logged); a logger must mask like createLogger does.
  const app = await buildApp(runtime, loaded, { ...(opts.logger ? { logger: opts.logger } : {}), ...(opts.logDestination ? { logDestination: opts.logDestination } : {}) });
  // The embedded store parses and analyses the ingestion's statements now, in the background: it
  // does not delay readiness, and a webhook's statements queue behind it on the store's thread, so
  // the first webhook after a start does not pay for a cold PGlite (docs/benchmarks.md, "Second pass").
  // Only here: a `firebreak run` takes no webhooks, and its one command must not queue behind it.
  app.db.prepare?.(INGEST_STATEMENTS).catch((err: unknown) => app.logger.debug({ err }, 'preparing the ingestion statements failed; they are prepared when first run'));
  const router = new Router();
  // From the first signal until exit: /readyz answers 503 so no new work is sent here during the drain.
  let shuttingDown = false;
  const platforms = new Map<PlatformId, StartedPlatform>();
  const alertOutbox = buildAlertOutboxWorker(app);
  // What /readyz checks, and what the heartbeat (alerts.heartbeat) pings only while it all passes.
  const readiness: Readiness[] = [
    { name: 'store', check: async () => void (await app.db.query('SELECT 1')) },
    ...(runtime.redisUrl ? [{ name: 'redis', check: () => app.coordination.ping(), degradesOnly: true }] : []),
    {
      name: 'chat',
      check: async () => {
        const missing = CHAT_PLATFORM_MODULES.filter((m) => m.enabled(runtime) && !platforms.has(m.id)).map((m) => m.id);
        if (missing.length > 0) throw new Error(`configured but not started: ${missing.join(', ')}`);
      },
    },
    {
      name: 'alert outbox',
      check: async () => {
        const problem = alertOutbox.problem();
        if (problem) throw new Error(problem);
      },
    },
  ];
  registerCoreRoutes(router, { shuttingDown: () => shuttingDown, metrics: app.metrics, readiness });
  const closers: (() => Promise<void> | void)[] = [];
  let http: RunningServer;
  let loopbackOnly = false;
  let workers: BackgroundWorkers;
  try {
    registerPostmortemRoutes(router, { source: app.drafts.source, secret: app.drafts.secret, logger: app.logger, redactor: app.ports.redactor, trustedHeader: loaded.config.web.auth.trusted_header });
    registerWebRoutes(router, app.web);
    loopbackOnly = registerAlertWebhooks(router, { config: loaded.config, ports: app.ports, logger: app.logger, metrics: app.metrics, onStored: () => alertOutbox.poke() }).loopbackOnly;
    for (const module of [consolePlatform(app.consoleMessages, { allowAs: loaded.config.console.allow_as }), ...CHAT_PLATFORM_MODULES]) {
      if (!module.enabled(runtime)) continue;
      const started = await module.start({ runtime, dispatcher: app.dispatcher, ports: app.ports, logger: app.logger, router, storeKind: app.db.kind, maxWaiting: loaded.config.chat.max_waiting, onRateLimited: () => app.metrics.chatRateLimited(module.id) });
      if (!started) continue;
      platforms.set(started.id, started);
      // The console's port is already there (every process has it); Slack's and Discord's join it now.
      if (started.id !== 'console') app.chat.register(started.chat);
      // Results still on their way to the platform are delivered before the store closes.
      closers.push(() => started.close());
    }
    http = await startHttpServer(router, runtime.port, app.logger, opts.host);
    // Platforms that need the port learn it now (the console writes where `firebreak run` finds the server).
    for (const started of platforms.values()) started.listening?.(http.port);
    // The background workers: every replica runs each of them, and each piece of their work is
    // claimed once across replicas. Started in this order; stopped in reverse after the step drain
    // and before the chat platforms drain, within one deadline (src/scheduler/workers.ts).
    const ingestAndPoke = async (n: AlertNotification) => {
      const result = await ingestNotification(app.ports, loaded.config, n);
      if (result.stored) alertOutbox.poke();
      return result;
    };
    const watchdogStore = app.ports.watchdog;
    workers = new BackgroundWorkers(
      [
        // Each backup slot is claimed once through the coordination (Redis with REDIS_URL); its
        // reports go to app.ports.chat's announcers, so any replica updates the day's report.
        new BackupScheduler(loaded.config, app.ports),
        // AlertStore.markEscalated lets one replica do each escalation step.
        ...(escalationConfigured(loaded.config) ? [new EscalationJob(loaded.config, app.ports)] : []),
        // Each health-watch interval is claimed once; its counters are in the store, so any replica carries on.
        ...(healthWatchConfigured(loaded.config)
          ? [
              new HealthWatch(loaded.config, {
                health: app.ports.health,
                coordination: app.coordination,
                logger: app.logger,
                redactor: app.ports.redactor,
                store: new SqlHealthWatchRepository(app.db),
                ingest: ingestAndPoke,
                ...(watchdogStore ? { pipelineSilentSince: () => pipelineSilentSince(loaded.config, watchdogStore) } : {}),
              }),
            ]
          : []),
        // The Watchdog's absence is claimed in the store, so its silent alert is raised once.
        ...(watchdogStore ? [new WatchdogWatch(loaded.config, { store: watchdogStore, logger: app.logger, redactor: app.ports.redactor, ingest: ingestAndPoke })] : []),
        // Each maintenance announcement is claimed once in the store.
        new MaintenanceWorker(loaded.config, { ...app.ports, maintenance: app.ports.maintenance! }),
        // Each heartbeat slot is claimed once; it pings only while every readiness check passes,
        // Redis's too (its slot is claimed through Redis, and a replica without it is degraded).
        ...(loaded.config.alerts.heartbeat
          ? [
              new HeartbeatScheduler(loaded.config, {
                coordination: app.coordination,
                healthy: async () => {
                  if (shuttingDown) return { ok: false, failing: ['shutting down'] };
                  const failing = (await runReadiness(readiness)).filter((r) => !r.ok).map((r) => `${r.name}: ${r.error ?? 'failing'}`);
                  return failing.length === 0 ? { ok: true } : { ok: false, failing };
                },
                ping: pingHeartbeat,
                logger: app.logger,
                redactor: app.ports.redactor,
              }),
            ]
          : []),
        // The alert outbox stops (finishing the message it is sending) before the chat platforms
        // drain; what it leaves is taken up by the other replicas at once.
        alertOutbox,
        // Each due incident reminder is claimed (and so sent) by one replica.
        new IncidentReminderScheduler(loaded.config, app.ports),
        // Procedure runs whose process died (at start, then every 15 s): each marked interrupted by
        // one replica, its card re-posted once through a stored message ref.
        new ProcedureRunSweeper(loaded.config, app.ports),
        // Confirmed steps whose process died (at start, then every 15 s): each recorded interrupted by
        // one replica (never re-run), its note posted once through a stored message ref.
        new InterruptedStepSweeper(loaded.config, app.ports),
        // Each procedure slot is claimed once in the store: a read-only procedure runs and reports in
        // the incidents channel, one that changes things posts its confirmation card there.
        ...(proceduresScheduled(loaded.config) ? [new ProcedureScheduler<AppPorts>(loaded.config, app.ports)] : []),
        // Each drill slot is claimed once in the store (procedure_slots, "drill:NAME"); its report goes to the incidents channel.
        ...(drillsScheduled(loaded.config) ? [new DrillScheduler<AppPorts>(loaded.config, app.ports, { ingest: ingestAndPoke })] : []),
        // Drills whose process died mid-drill (at start, then every 30 s): a drill group still firing
        // 5 min after it started is resolved, with its incident unless kept, by the one replica whose
        // resolution is stored first; on every replica, since /drill needs no config.
        new DrillSweeper(loaded.config, app.ports, { ingest: ingestAndPoke }),
        // Each new group on a route with diagnose: is decided once in the store, under the storm limit.
        ...(diagnosesConfigured(loaded.config) ? [new AlertDiagnoser<AppPorts>(loaded.config, app.ports, new SqlDiagnosisRepository(app.db), app.metrics)] : []),
        // Diagnoses whose replica died mid-run (at start, then every 15 s): each marked interrupted by
        // one replica, never re-run by itself; its card and thread report offer Diagnose.
        ...(diagnosesConfigured(loaded.config) ? [new DiagnosisSweeper(loaded.config, app.ports, new SqlDiagnosisRepository(app.db), app.metrics)] : []),
      ],
      app.logger,
    );
    // Pushed before start(): if a worker fails to start, the ones before it are stopped again.
    closers.push(async () => void (await workers.stop()));
    workers.start();
  } catch (err) {
    for (const c of closers.reverse()) await c();
    await app.close();
    throw err;
  }
  app.logger.info(
    { port: http.port, store: app.db.description, coordination: app.coordination.kind, config: loaded.source },
    `Firebreak listening on :${http.port}`,
  );
  if (loopbackOnly) app.logger.warn({}, LOOPBACK_ONLY_WARNING);
  return {
    app,
    http,
    platforms,
    alertOutbox,
    workers,
    async close(opts = {}) {
      shuttingDown = true;
      // Steps first, while the store, the chat platforms and the HTTP server are all still there to
      // record and deliver their outcome (also "interrupted by shutdown").
      app.ports.backups?.jobs.beginStopping();
      const grace_s = loaded.config.shutdown.grace_s;
      const running = app.ports.steps.inFlight.running().map((s) => s.title);
      if (running.length > 0) app.logger.info({ running, grace_s }, `shutting down: waiting up to ${grace_s} s for ${running.length} running step(s) to finish`);
      const drained = await app.ports.steps.drain({ graceMs: grace_s * 1000, cutShort: opts.cutShort });
      if (drained.interrupted.length > 0) app.logger.warn({ interrupted: drained.interrupted }, `shutting down: ${drained.interrupted.length} step(s) did not finish in time and were recorded as interrupted by shutdown`);
      if (drained.abandoned.length > 0) app.logger.error({ abandoned: drained.abandoned }, 'shutting down: some interrupted steps could not be recorded in time; their leases expire on their own');
      for (const c of closers.reverse()) await c();
      await http.close();
      await app.close();
    },
  };
}

/** `firebreak migrate`: applies what is missing; says what it applied and how many there are. */
export async function migrateStore(runtime: RuntimeEnv): Promise<{ applied: Awaited<ReturnType<typeof migrate>>; total: number; store: string }> {
  const db = await openStore(runtime, { migrate: false });
  try {
    const applied = await migrate(db);
    return { applied, total: loadMigrations().length, store: db.description };
  } finally {
    await db.close();
  }
}

/** `firebreak discord register`: the slash commands generated from this config's command specs; returns what changed, as a sentence. */
export async function registerDiscordCommandsFor(runtime: RuntimeEnv, loaded: LoadedConfig, guild: string | undefined): Promise<string> {
  const { applicationId, botToken, apiUrl } = runtime.discord;
  if (!applicationId || !botToken) throw new Error('firebreak discord register needs DISCORD_APPLICATION_ID and DISCORD_BOT_TOKEN.');
  // Loaded here only: discord.js adds startup time every other CLI command would pay.
  const { discordApplicationCommands } = await import('./chat/discord/command-definitions.js');
  const { createDiscordRest } = await import('./chat/discord/api.js');
  const { registerDiscordCommands, describeRegistration } = await import('./chat/discord/register-commands.js');
  const defs = discordApplicationCommands(new CommandRegistry(commands), loaded.config);
  return describeRegistration(await registerDiscordCommands(createDiscordRest({ botToken, apiUrl }), applicationId, defs, guild));
}
