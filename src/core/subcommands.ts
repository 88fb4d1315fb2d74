import { z } from 'zod';
import type { Outcome } from './outcome.js';
import type { CorePorts } from './services.js';
import type { CommandContext, ParamSpec, SubcommandSpec } from './spec.js';

/**
 * One subcommand, declared once: what `/help` and the platforms show (name, summary, params), how
 * its raw arguments are validated (a zod shape, without the `subcommand` key) and what it does.
 * A command built from a table of these cannot list a subcommand it does not run, or run one it
 * does not validate. `P`: the ports its `run` is given, as for a CommandSpec.
 */
export interface Subcommand<S extends z.ZodRawShape, P extends CorePorts = CorePorts> {
  name: string;
  summary: string;
  params: ParamSpec[];
  args: S;
  // A method (checked bivariantly) so a table can hold entries of different argument shapes.
  run(ctx: CommandContext<P>, args: z.infer<z.ZodObject<S>>): Promise<Outcome>;
}

/** Keeps each entry's argument type for its own `run` (a bare object literal would widen it). */
export function subcommand<S extends z.ZodRawShape>(s: Subcommand<S>): Subcommand<S> {
  return s;
}

/** What every table's parsed arguments look like to the command: the chosen name and its values. */
export type SubcommandArgs = { subcommand: string } & Record<string, unknown>;

/** The `subcommands`, `args` and `run` of a CommandSpec, derived from one table. */
export function subcommandTable<P extends CorePorts>(
  entries: ReadonlyArray<Subcommand<z.ZodRawShape, P>>,
): { subcommands: SubcommandSpec[]; args: z.ZodType<SubcommandArgs>; run: (ctx: CommandContext<P>, args: SubcommandArgs) => Promise<Outcome> } {
  const [first, ...rest] = entries.map((e) => z.object({ subcommand: z.literal(e.name), ...e.args }));
  if (!first) throw new Error('A subcommand table needs at least one subcommand.');
  const byName = new Map(entries.map((e) => [e.name, e]));
  return {
    subcommands: entries.map(({ name, summary, params }) => ({ name, summary, params })),
    args: z.discriminatedUnion('subcommand', [first, ...rest]) as unknown as z.ZodType<SubcommandArgs>,
    run: (ctx, args) => {
      const entry = byName.get(args.subcommand);
      // The schema admits only names from the table, so this is a programming error, not user input.
      if (!entry) throw new Error(`No subcommand "${args.subcommand}" in this table.`);
      return entry.run(ctx, args as z.infer<z.ZodObject<z.ZodRawShape>>);
    },
  };
}
