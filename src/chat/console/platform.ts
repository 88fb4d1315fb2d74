import { resolve } from 'node:path';
import type { ConsoleMessageStore } from '../../core/console-messages.js';
import type { PlatformModule } from '../platform-module.js';
import { newConsoleToken, registerRemoteConsole, writeServerInfo } from './remote-endpoint.js';

/** How long shutdown waits for forwarded commands to answer; their steps were drained before this. */
const FORWARDED_DRAIN_MS = 10_000;

/**
 * The console as a platform module. Its chat port is in every process (buildApp registers it, so
 * `firebreak run` posts there too); started by `firebreak start`, it also takes commands and
 * button presses from `firebreak run` / `firebreak console` on this machine (a loopback endpoint
 * with a token in the data dir), which is how they reach a server that holds the embedded store.
 */
export function consolePlatform(messages: ConsoleMessageStore, opts: { allowAs: boolean }): PlatformModule {
  return {
    id: 'console',
    enabled: () => true,
    async start(ctx) {
      const chat = ctx.ports.chat.get('console');
      if (!chat) throw new Error('the console chat port is not registered (buildApp registers it)');
      const token = newConsoleToken();
      const forwarded = registerRemoteConsole(ctx.router, { dispatcher: ctx.dispatcher, messages, port: chat, allowAs: opts.allowAs, logger: ctx.logger }, token);
      let info: { remove(): void } | null = null;
      return {
        id: 'console',
        chat,
        idle: async () => void (await forwarded.drain()),
        // Only the embedded store is exclusive; with PostgreSQL, `firebreak run` opens its own connection.
        listening: (port) => {
          if (ctx.storeKind === 'pglite') info = writeServerInfo(resolve(ctx.runtime.dataDir), port, token);
        },
        // Forwarded commands still running (shutdown drained their steps first) get their reply out.
        close: async () => {
          await forwarded.drain(FORWARDED_DRAIN_MS);
          info?.remove();
        },
      };
    },
  };
}
