import type { ButtonRegistry } from './button-handlers.js';
import type { CommandRegistry } from './registry.js';
import type { CorePorts } from './services.js';

/**
 * The ports a dispatcher runs with: the core's, with the registries of what it runs typed by the
 * same ports `P`, so every command and button registered gets the ports it was written against.
 * `AppPorts` (src/app/ports.ts) is one; a test's `{ ...app.ports, registry }` is another.
 */
export interface PipelinePorts<P extends CorePorts> extends CorePorts {
  registry: CommandRegistry<P>;
  buttons: ButtonRegistry<P>;
}
