import type { RuntimeEnv } from '../config/env.js';
import type { ChatPlatformPort } from '../core/chat-port.js';
import type { InvocationDispatcher } from '../core/invocation.js';
import type { Logger } from '../core/logger.js';
import type { PlatformId } from '../config/platforms.js';
import type { CorePorts } from '../core/services.js';
import type { Router } from '../http/router.js';

/** What a platform gets when it starts: the one dispatcher, the ports, the shared HTTP router. */
export interface PlatformContext {
  runtime: RuntimeEnv;
  dispatcher: InvocationDispatcher;
  ports: CorePorts;
  logger: Logger;
  /** The one HTTP server's routes: platforms that receive webhooks add theirs. */
  router: Router;
  /** Told of every rate limit the platform's API meets (firebreak_chat_rate_limited_total); the call is waited out and sent. */
  onRateLimited?: () => void;
  storeKind: 'postgres' | 'pglite';
  /** chat.max_waiting: typed commands still running past which a new one is refused as busy. */
  maxWaiting?: number;
}

/** A started platform: its chat port (registered in the chat directory) and how to stop it. */
export interface StartedPlatform {
  readonly id: PlatformId;
  readonly chat: ChatPlatformPort;
  /** Resolves when work in flight and queued messages are done (tests). */
  idle(): Promise<void>;
  /** Told the HTTP port once the server listens. */
  listening?(port: number): void;
  /** Shutdown: stop taking requests and deliver what is in flight, before the store closes. */
  close(): Promise<void>;
}

/**
 * One chat platform, as src/chat/<platform>/platform.ts exports it. main.ts starts the list;
 * a new platform is a folder exporting one of these.
 */
export interface PlatformModule {
  readonly id: PlatformId;
  /** Whether the environment turns it on (its tokens are set). */
  enabled(runtime: RuntimeEnv): boolean;
  /** Null when it is configured but cannot start (a malformed key): said in the log, the rest of Firebreak runs. */
  start(ctx: PlatformContext): Promise<StartedPlatform | null>;
}
