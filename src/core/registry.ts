import type { CommandCatalog } from './command-catalog.js';
import type { CorePorts } from './services.js';
import type { AnyCommandSpec } from './spec.js';

/**
 * The explicit list of commands; built once in src/commands/index.ts. `P` is the ports its
 * commands run with: the dispatcher that runs them is built with the same (PipelinePorts).
 */
export class CommandRegistry<P extends CorePorts = CorePorts> implements CommandCatalog {
  private readonly byName = new Map<string, AnyCommandSpec<P>>();

  constructor(specs: readonly AnyCommandSpec<P>[]) {
    for (const spec of specs) {
      if (this.byName.has(spec.name)) throw new Error(`command /${spec.name} is registered twice`);
      this.byName.set(spec.name, spec);
    }
  }

  get(name: string): AnyCommandSpec<P> | undefined {
    return this.byName.get(name);
  }

  list(): AnyCommandSpec<P>[] {
    return [...this.byName.values()];
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}
