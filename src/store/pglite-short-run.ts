import { setFlagsFromString } from 'node:v8';

/**
 * For a process that opens the embedded store for one command (`firebreak run`, `firebreak console`)
 * and exits: PGlite's PostgreSQL stays on V8's baseline WebAssembly code (Liftoff) instead of being
 * tiered up to optimized code (TurboFan) as its functions get hot. Starting the store and answering a
 * command makes hundreds of them hot, and TurboFan compiles them on background threads: ~80 MB more
 * peak RSS and more CPU, which a command that ends a second later never gets back
 * (docs/benchmarks.md, "A new embedded store from a template"). A console left open stays on
 * baseline code too, which a person's few commands a minute do not notice. `firebreak start` does
 * not call this: a server is where optimized code pays (alert storms).
 *
 * The flag is process-wide and read when a WebAssembly function is compiled: call before the store opens.
 */
export function keepPgliteOnBaselineCode(): void {
  setFlagsFromString(`--wasm-tiering-budget=${2 ** 31 - 1}`);
}
