import type { z } from 'zod';
import type { CommandContext, CommandSpec } from '../core/spec.js';
import type { Subcommand } from '../core/subcommands.js';
import type { AppPorts } from './ports.js';

/** What a command that uses a domain room's ports sees: `ctx.ports` is every port main.ts builds. */
export type AppCommandContext = CommandContext<AppPorts>;

/** A command whose `run`/`execute` use a domain room's ports (alerts, incidents, backups, post-mortems). */
export function defineAppCommand<A>(spec: CommandSpec<A, AppPorts>): CommandSpec<A, AppPorts> {
  return spec;
}

/** A subcommand (core/subcommands.ts) whose `run` uses a domain room's ports. */
export function appSubcommand<S extends z.ZodRawShape>(s: Subcommand<S, AppPorts>): Subcommand<S, AppPorts> {
  return s;
}
