import type { AnyCommandSpec } from './spec.js';

/** The explicit list of commands; built once in src/commands/index.ts. */
export class CommandRegistry {
  private readonly byName = new Map<string, AnyCommandSpec>();

  constructor(specs: readonly AnyCommandSpec[]) {
    for (const spec of specs) {
      if (this.byName.has(spec.name)) throw new Error(`command /${spec.name} is registered twice`);
      this.byName.set(spec.name, spec);
    }
  }

  get(name: string): AnyCommandSpec | undefined {
    return this.byName.get(name);
  }

  list(): AnyCommandSpec[] {
    return [...this.byName.values()];
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}
