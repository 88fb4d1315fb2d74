import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { clearLine, createInterface, cursorTo } from 'node:readline';
import { parseArgs } from 'node:util';
import { EnvError, readRuntimeEnv, type RuntimeEnv } from './config/env.js';
import { ConfigError, currentOsUser, loadConfig, type LoadedConfig } from './config/load.js';
import { ConsoleFeed } from './chat/console/feed.js';
import { consoleActor, consoleChannel, consoleChannelFor, consoleUserFor } from './chat/console/identity.js';
import { fetchConsoleChanges, forwardToCurrentServer, type ConsoleChanges } from './chat/console/remote-client.js';
import { enteredAfter } from './chat/console/entered-incident.js';
import { consoleUserSchema, readServerInfo, RECENT_ON_OPEN } from './chat/console/remote-endpoint.js';
import { renderFeedMessage } from './chat/console/render-feed.js';
import { placeOnConsole } from './chat/console/delivery.js';
import { renderPlaced } from './chat/console/render-placed.js';
import { progressPrinter } from './chat/console/render.js';
import type { DispatchResult, Invocation, InvocationInput } from './core/dispatcher.js';
import { exitCodeFor } from './core/outcome.js';
import { errorReply } from './core/reply.js';
import { checkProcedureCommands, procedureScheduleNotes } from './app/procedure-commands.js';
import type { App, Running } from './main.js';
import { holderText, lockHeldBy, lockHolder } from './store/data-dir-lock.js';
import { keepPgliteOnBaselineCode } from './store/pglite-short-run.js';
import { helpWithoutStore } from './commands/help-without-store.js';
import { readHidden } from './chat/console/hidden-prompt.js';
import type { SecretPrompt } from './core/secret-prompt.js';
import { namedPlacement } from './chat/console/named-placement.js';
import { EchoFilter } from './chat/console/echo-filter.js';

const USAGE = `Usage: firebreak <command>

  start                         HTTP server, chat platforms and scheduler
  run "<chat text>" [--as USER] [--yes] [--incident INC-N] [--secret NAME=ENV_VAR …]
                                one command through the console platform
                                (--incident: it counts for that incident;
                                --secret: a secret param's value from that environment
                                variable; on a terminal, missing ones are asked, hidden)
  run --action ACTION_ID [--as USER]
                                press a button (e.g. confirm:… printed under a card)
  console [--as USER]           interactive console (/incident use INC-N: what you run counts for it)
  config check [FILE]           validate FILE (default: FIREBREAK_CONFIG or ./firebreak.yml);
                                list every problem with its path
  migrate                       apply database migrations
  discord register [--guild ID] create/update the Discord slash commands (guild: at once; global: up to an hour)

The console user is your OS user; --as USER acts as another name only where the config sets
console.allow_as: true (the built-in default does), and never counts as a second person.

Exit codes: 0 done, 1 the command ran and failed, 2 bad input or denied.`;

class UsageError extends Error {}

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function loadOrExit(runtime: RuntimeEnv, file?: string): LoadedConfig {
  try {
    return loadConfig(runtime, process.env, file);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, 2);
    throw err;
  }
}

/** One way to run a console invocation: in-process, or through a running server that holds the store. */
interface ConsoleSession {
  /** `source`: the posted message whose button is pressed (its channel is where it runs). */
  run(input: InvocationInput, user: ConsoleUser, yes: boolean, source?: ButtonSource, incident?: string, secrets?: ReadonlyMap<string, string>): Promise<Omit<DispatchResult, 'placement'> & Partial<Pick<DispatchResult, 'placement'>> & { exitCode: number }>;
  /** What the system posted to the console platform since `since` (omitted: just the current version). */
  changes(user: ConsoleUser, since?: number): Promise<ConsoleChanges>;
  close(): Promise<void>;
}

/** Where a button shown in the console came from: a posted message in a console channel. */
interface ButtonSource {
  channelId?: string;
  messageId?: string;
}

function unknownChannel(channelId: string | undefined): DispatchResult & { exitCode: number } {
  return { invocationId: '', status: 'invalid', reply: errorReply('Unknown console channel', `There is no console channel ${channelId}; press a button shown in this console.`), placement: { kind: 'private' }, exitCode: 2 };
}

/** Who runs a console session: the console user (`name`) and the OS account behind it. */
interface ConsoleUser {
  name: string;
  osUser: string;
}

/** `--as ""` would otherwise run as a nameless user in-process, and be refused by a running server. */
function checkAs(as: string | undefined): void {
  if (as === undefined) return;
  const checked = consoleUserSchema.safeParse(as);
  if (!checked.success) throw new UsageError(checked.error.issues[0]?.message ?? '--as needs a user name, e.g. --as alice.');
}

/** The OS user, or `--as NAME` where the config allows it (console.allow_as); a running server checks its own config too. */
function consoleUser(as: string | undefined, loaded: LoadedConfig): ConsoleUser {
  const osUser = currentOsUser();
  const user = consoleUserFor(as, osUser, loaded.config.console.allow_as);
  if ('refusal' in user) throw new UsageError(user.refusal);
  return { name: user.name, osUser };
}

async function openConsoleSession(runtime: RuntimeEnv, loaded: LoadedConfig): Promise<ConsoleSession> {
  if (!runtime.databaseUrl) {
    const dataDir = resolve(runtime.dataDir);
    const held = lockHeldBy(dataDir);
    const holder = held?.pid ?? null;
    if (held && holder !== process.pid) {
      const info = readServerInfo(dataDir);
      if (!info || info.pid !== holder) {
        fail(`The embedded store in ${dataDir} is in use by ${holderText(held.pid, held.command)}, which is not a Firebreak server this command can reach. Stop it, or set FIREBREAK_DATA_DIR to another directory.`, 1);
      }
      let server = info;
      return {
        async run(input, user, yes, source, incident, secrets) {
          const who = { as: user.name, osUser: user.osUser, ...(incident !== undefined ? { incident } : {}) };
          // The server is this machine's own (a token in the data dir): secrets go to it in the body, never in the text.
          const given = secrets && secrets.size > 0 ? { secrets: Object.fromEntries(secrets) } : {};
          const body = input.kind === 'action' ? { ...who, actionId: input.actionId, channelId: source?.channelId, messageId: source?.messageId, yes } : { ...who, text: input.kind === 'text' ? input.text : '', yes, ...given };
          // A server restarted since this session began has a new token and port: re-read once and retry.
          // Progress streams over the same connection and is printed as in-process (below).
          const printProgress = progressPrinter((line) => void process.stderr.write(`${line}\n`));
          const sent = await forwardToCurrentServer(server, () => readServerInfo(dataDir), body, undefined, printProgress);
          server = sent.info;
          const outcome = sent.outcome;
          switch (outcome.kind) {
            case 'result':
              return outcome.result;
            // The server refused the request itself: bad input, exit 2 as in-process; a reply rather than an
            // exit so the console REPL carries on.
            case 'refused':
              return { invocationId: '', status: 'invalid', reply: errorReply('The running Firebreak server refused the command', outcome.message), exitCode: 2 };
            case 'unreachable':
            case 'server-error':
              return fail(outcome.message, 1);
          }
        },
        // Read again each time: a restarted server has a new port and token, and the console keeps showing its messages.
        changes: (user, since) => fetchConsoleChanges(readServerInfo(dataDir) ?? info, { as: user.name, osUser: user.osUser }, since),
        close: async () => {},
      };
    }
  }
  // One command (or a person's console) in this process: the embedded store needs no optimized code.
  if (!runtime.databaseUrl) keepPgliteOnBaselineCode();
  // Loaded only here: the composition root pulls in the store, the chat SDKs and the AWS SDK, seconds
  // that `--help`, `config check` and `run "/help"` need not pay.
  const { buildApp } = await import('./main.js');
  const created = newStoreNotice(runtime);
  // Logs go to stderr; keep them to warnings so the reply stays readable.
  const app: App = await buildApp({ ...runtime, logLevel: process.env.LOG_LEVEL ? runtime.logLevel : 'warn' }, loaded, { defaultMetrics: false });
  created();
  return {
    async run(input, user, yes, source, incident, secrets) {
      const channel = await consoleChannelFor(app.consoleMessages, source?.channelId);
      if (!channel) return unknownChannel(source?.channelId);
      const printProgress = progressPrinter((line) => void process.stderr.write(`${line}\n`));
      const entered = incident !== undefined ? { enteredIncidentId: incident } : {};
      const inv: Invocation = { actor: consoleActor(user.name, user.osUser), channel, input, autoConfirm: yes, ...entered };
      // Only `firebreak run` asks (it passes a map, maybe empty); the REPL's readline owns the terminal and would echo what is typed.
      const asked = secrets === undefined ? undefined : await askSecrets(app.dispatcher.secretPrompt(inv), secrets);
      if (asked === null) return fail('Cancelled: no secret was given, so nothing was run.', 2);
      const result = await app.dispatcher.dispatch({ ...inv, ...(asked ? { secrets: asked } : {}) }, { progress: async (reply) => printProgress(reply) });
      if (source?.messageId) {
        await placeOnConsole(app.chat.get('console')!, { platform: 'console', channelId: channel.id, messageId: source.messageId }, channel.id, result).catch(() => {});
      }
      return { ...(await namedPlacement(result, app.consoleMessages)), exitCode: exitCodeFor(result.status) };
    },
    changes: async (user, since) => (since === undefined ? app.consoleMessages.recent(user.name, RECENT_ON_OPEN) : app.consoleMessages.changesSince(since, user.name)),
    close: () => app.close(),
  };
}

/**
 * Call before opening the store; the function it returns says (on stderr) that the embedded store was
 * just created, naming where. The data dir is relative to the current directory by default, and a CLI
 * run from elsewhere would otherwise quietly work on a new, empty store.
 */
function newStoreNotice(runtime: RuntimeEnv): () => void {
  const dataDir = resolve(runtime.dataDir);
  const isNew = !runtime.databaseUrl && !existsSync(join(dataDir, 'pgdata'));
  return () => {
    if (isNew) process.stderr.write(`Created a new, empty embedded store in ${dataDir} (FIREBREAK_DATA_DIR; default ./.firebreak in the current directory).\n`);
  };
}

/**
 * `--secret NAME=ENV_VAR`: a secret param's value is read from that environment variable, so it is
 * never on the command line (shell history, `ps`) nor in the chat text.
 */
function secretsFromEnv(specs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const spec of specs) {
    const m = /^([a-z_][a-z0-9_]*)=([A-Za-z_][A-Za-z0-9_]*)$/.exec(spec);
    if (!m) throw new UsageError(`--secret takes NAME=ENV_VAR (the param, and the environment variable that holds its value), e.g. --secret new_key=OPENAI_NEW_KEY; got "${spec.slice(0, 40)}".`);
    const value = process.env[m[2]!];
    if (value === undefined || value === '') throw new UsageError(`--secret ${m[1]}=${m[2]}: the environment variable ${m[2]} is not set (or empty). Nothing was run.`);
    out.set(m[1]!, value);
  }
  return out;
}

/**
 * The secrets a command asks for: those given with --secret, and on a terminal the rest typed at a
 * hidden prompt. undefined: nothing to ask; null: the person cancelled.
 */
async function askSecrets(prompt: SecretPrompt | null, given: ReadonlyMap<string, string> | undefined): Promise<ReadonlyMap<string, string> | undefined | null> {
  if (!prompt) return given && given.size > 0 ? given : undefined;
  const out = new Map(given ?? []);
  for (const f of prompt.fields) {
    // Without a terminal nothing is asked: the command itself says which --secret is missing.
    if (out.has(f.name) || !process.stdin.isTTY) continue;
    const value = await readHidden(`${prompt.title}: ${f.label} (not shown as you type): `);
    if (value === null) return null;
    if (value !== '') out.set(f.name, value);
  }
  return out;
}

async function cmdRun(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { as: { type: 'string' }, yes: { type: 'boolean', default: false }, action: { type: 'string' }, incident: { type: 'string' }, secret: { type: 'string', multiple: true } },
  });
  const secrets = secretsFromEnv(values.secret ?? []);
  if (values.action === undefined && positionals.length !== 1) {
    throw new UsageError('firebreak run takes the chat text as one quoted argument, e.g. firebreak run "/health".');
  }
  checkAs(values.as);
  const runtime = readRuntimeEnv();
  const loaded = loadOrExit(runtime);
  const user = consoleUser(values.as, loaded);
  // While a server holds the embedded store, /help goes to it like any command (its config decides --as).
  const serverHoldsStore = !runtime.databaseUrl && lockHolder(resolve(runtime.dataDir)) !== null;
  if (values.action === undefined && !serverHoldsStore) {
    const help = helpWithoutStore(positionals[0] ?? '', loaded.config, consoleActor(user.name, user.osUser), consoleChannel);
    if (help) {
      process.stdout.write(`${renderPlaced({ ...help, placement: { kind: 'private' } }, { clicked: false })}\n`);
      return exitCodeFor(help.status);
    }
  }
  const session = await openConsoleSession(runtime, loaded);
  try {
    const input: InvocationInput = values.action !== undefined ? { kind: 'action', actionId: values.action } : { kind: 'text', text: positionals[0] ?? '' };
    const result = await session.run(input, user, values.yes ?? false, undefined, values.incident, secrets);
    process.stdout.write(`${renderPlaced(result, { clicked: input.kind === 'action' })}\n`);
    return result.exitCode;
  } finally {
    await session.close();
  }
}

async function cmdConsole(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { as: { type: 'string' } } });
  checkAs(values.as);
  const runtime = readRuntimeEnv();
  const loaded = loadOrExit(runtime);
  const user = consoleUser(values.as, loaded);
  const as = user.name;
  const session = await openConsoleSession(runtime, loaded);
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: `firebreak (${as})> ` });
  let busy = false;
  // Printed while the person may be typing: above the prompt, which is drawn again with what they typed so far.
  const show = (text: string) => {
    if (rl.terminal && !busy) {
      clearLine(process.stdout, 0);
      cursorTo(process.stdout, 0);
      process.stdout.write(`${text}\n`);
      rl.prompt(true);
    } else {
      process.stdout.write(`${text}\n`);
    }
  };
  // A button shown on a posted message runs in that message's channel, and its placement updates that
  // message; the latest card showing an action id wins.
  const buttonSources = new Map<string, ButtonSource>();
  let entered: string | undefined;
  const echoes = new EchoFilter();
  // Said first: the feed's first answer (what was posted before) is shown under it.
  process.stdout.write(`Firebreak console as ${as}. Type /help for commands, !ACTION_ID to press a button, exit to quit.\n`);
  process.stdout.write('Messages the system posts to the console (when no Slack or Discord is configured) appear here as they arrive.\n');
  const feed = await ConsoleFeed.open((since) => session.changes(user, since), {
    show(changes) {
      for (const { message, isNew } of changes) {
        for (const b of message.reply.buttons ?? []) buttonSources.set(b.actionId, { channelId: message.channel?.id, messageId: String(message.id) });
        // What this console's own command or click just printed comes back through the feed: once is enough.
        if (echoes.isEcho(message)) continue;
        show(renderFeedMessage(message, isNew));
      }
    },
    earlier(messages) {
      show(`(the last ${messages.length} message${messages.length === 1 ? '' : 's'} posted before this console opened)`);
      for (const message of messages) {
        for (const b of message.reply.buttons ?? []) buttonSources.set(b.actionId, { channelId: message.channel?.id, messageId: String(message.id) });
        show(renderFeedMessage(message, true));
      }
    },
    problem(message) {
      show(message === null ? '(console messages are shown again)' : `(posted messages cannot be shown for now: ${message})`);
    },
  });
  rl.prompt();
  try {
    for await (const line of rl) {
      const text = line.trim();
      if (text === 'exit' || text === 'quit') break;
      if (text !== '') {
        busy = true;
        try {
          const input: InvocationInput = text.startsWith('!') ? { kind: 'action', actionId: text.slice(1) } : { kind: 'text', text };
          const result = await session.run(input, user, false, input.kind === 'action' ? buttonSources.get(input.actionId) : undefined, entered);
          for (const b of result.reply.buttons ?? []) buttonSources.delete(b.actionId);
          // `/incident use INC-7` succeeded: what is run from now on is sent with it (`off` leaves it).
          if (input.kind === 'text' && result.status === 'ok') entered = enteredAfter(input.text, entered);
          rl.setPrompt(`firebreak (${as}${entered ? ` · ${entered}` : ''})> `);
          echoes.printed(result, input.kind === 'action');
          process.stdout.write(`${renderPlaced(result, { clicked: input.kind === 'action' })}\n`);
        } finally {
          busy = false;
        }
      }
      rl.prompt();
    }
  } finally {
    rl.close();
    await feed.stop();
    await session.close();
  }
  return 0;
}

async function cmdConfig(argv: string[]): Promise<number> {
  const [sub, file, ...extra] = argv;
  if (sub !== 'check' || extra.length > 0) throw new UsageError('Usage: firebreak config check [FILE]');
  const runtime = readRuntimeEnv();
  const loaded = loadOrExit(runtime, file);
  try {
    checkProcedureCommands(loaded);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, 2);
    throw err;
  }
  const c = loaded.config;
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const counts = [count(Object.keys(c.services).length, 'service'), count(Object.keys(c.datastores).length, 'datastore'), count(Object.keys(c.actions).length, 'action'), count(Object.keys(c.roles).length, 'role')];
  process.stdout.write(`${loaded.source}: OK — ${counts.join(', ')}\n`);
  // Valid either way; a schedule that will only post a card should not be a surprise at 03:00.
  for (const note of procedureScheduleNotes(loaded)) process.stdout.write(`Note: ${note}\n`);
  // Valid, but only read-only commands will work for anyone: say so rather than let it look ready.
  if (Object.keys(c.roles).length === 0) {
    process.stderr.write('Warning: no roles are defined, so nobody can run commands that change things (roles: responders, admins; see docs/configuration.md).\n');
  }
  return 0;
}

async function cmdMigrate(): Promise<number> {
  const { migrateStore } = await import('./main.js');
  const runtime = readRuntimeEnv();
  const created = newStoreNotice(runtime);
  const { applied, total, store } = await migrateStore(runtime);
  created();
  process.stdout.write(applied.length ? `Applied migrations ${applied.join(', ')} to ${store}.\n` : `${store} is up to date (${total} migrations).\n`);
  return 0;
}

async function cmdDiscord(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'register') throw new UsageError('Usage: firebreak discord register [--guild ID]');
  const { values } = parseArgs({ args: rest, options: { guild: { type: 'string' } } });
  if (values.guild !== undefined && !/^\d{5,25}$/.test(values.guild)) throw new UsageError(`--guild takes the server's numeric id (Developer Mode → right-click the server → Copy Server ID), not "${values.guild}".`);
  const runtime = readRuntimeEnv();
  const { applicationId, botToken } = runtime.discord;
  if (!applicationId || !botToken) fail('firebreak discord register needs DISCORD_APPLICATION_ID and DISCORD_BOT_TOKEN (Discord Developer Portal → your application).', 2);
  const loaded = loadOrExit(runtime);
  const { registerDiscordCommandsFor } = await import('./main.js');
  process.stdout.write(`${await registerDiscordCommandsFor(runtime, loaded, values.guild)}\n`);
  return 0;
}

async function cmdStart(): Promise<number> {
  const runtime = readRuntimeEnv();
  const loaded = loadOrExit(runtime);
  const [{ startFirebreak }, { ListenError }] = await Promise.all([import('./main.js'), import('./http/server.js')]);
  let running: Running;
  const created = newStoreNotice(runtime);
  try {
    running = await startFirebreak(runtime, loaded);
    created();
  } catch (err) {
    // The port is what a person can change; the stack would not help them.
    if (err instanceof ListenError) {
      const fix = err.code === 'EADDRINUSE' ? 'stop the other process or set PORT to a free port' : err.code === 'EACCES' ? 'set PORT to a port above 1023' : 'check PORT';
      fail(`Firebreak cannot start: ${err.message}; ${fix}.`, 1);
    }
    throw err;
  }
  const runningSteps = () => running.app.ports.steps.inFlight.running().length;
  process.stderr.write(
    `Firebreak is running on http://localhost:${running.http.port} (store: ${running.app.db.description}; config: ${loaded.source}).\n` +
      `In another terminal: npx --no-install firebreak run "/health"\n`,
  );
  // Listeners stay registered for the whole drain. With `once`, the first signal removed ours and
  // execa's signal-exit, then the only listener left, killed the running tools and re-raised the
  // signal: the process died (143) with the step unrecorded and its lease held.
  let cutShort!: () => void;
  const hurry = new Promise<void>((resolve) => (cutShort = resolve));
  let signals = 0;
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals === 1) {
        const running = runningSteps();
        process.stderr.write(
          running > 0
            ? `Firebreak is shutting down (${signal}): waiting up to ${loaded.config.shutdown.grace_s} s for ${running} running step(s); send ${signal} again to stop them now.\n`
            : `Firebreak is shutting down (${signal}).\n`,
        );
        resolve();
      } else if (signals === 2) {
        process.stderr.write('Stopping running steps now; recording them as interrupted by shutdown.\n');
        cutShort();
      } else {
        process.stderr.write('Exiting without waiting any longer.\n');
        process.exit(1);
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  await running.close({ cutShort: hurry });
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'start':
      return cmdStart();
    case 'run':
      return cmdRun(rest);
    case 'console':
      return cmdConsole(rest);
    case 'config':
      return cmdConfig(rest);
    case 'migrate':
      return cmdMigrate();
    case 'discord':
      return cmdDiscord(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return cmd === undefined ? 2 : 0;
    default:
      throw new UsageError(`Unknown command "${cmd}".\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      // Node's own text goes on about positionals after "--"; what the person needs is which option and where the list is.
      const option = /'([^']+)'/.exec((err as Error).message)?.[1] ?? 'that option';
      fail(`Unknown option ${option}; firebreak --help lists the commands and their options.`, 2);
    }
    if (err instanceof UsageError || err instanceof EnvError || code?.startsWith('ERR_PARSE_ARGS')) fail((err as Error).message, 2);
    fail(`firebreak: ${(err as Error).message}`, 1);
  },
);
