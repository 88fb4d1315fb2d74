import pino from 'pino';
import type { Logger } from '../core/ports.js';
import type { Redactor } from '../core/redact.js';

const MAX_DEPTH = 8;

/**
 * Turns what a log call was given into plain JSON-able data *before* it is redacted. The redactor
 * copies own enumerable properties only, so an Error (whose message and stack are not enumerable)
 * would come out as `{}`; Dates, URLs and Buffers would be mangled the same way, and a cycle would
 * never end.
 */
export function toLoggable(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[…]';
  seen.add(value);
  try {
    if (value instanceof Error) {
      const out: Record<string, unknown> = { type: value.name, message: value.message, stack: value.stack ?? '' };
      for (const [k, v] of Object.entries(value)) out[k] = toLoggable(v, depth + 1, seen);
      if (value.cause !== undefined) out.cause = toLoggable(value.cause, depth + 1, seen);
      if (value instanceof AggregateError) out.errors = value.errors.map((e: unknown) => toLoggable(e, depth + 1, seen));
      return out;
    }
    if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `<${value.byteLength} bytes>`;
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    if (Array.isArray(value)) return value.map((v: unknown) => toLoggable(v, depth + 1, seen));
    if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toLoggable(v, depth + 1, seen)]));
    if (value instanceof Set) return [...value].map((v) => toLoggable(v, depth + 1, seen));
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return toLoggable(toJSON.call(value), depth + 1, seen);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toLoggable(v, depth + 1, seen);
    return out;
  } finally {
    // Only ancestors count as a cycle: the same object twice side by side is logged twice.
    seen.delete(value);
  }
}

/**
 * JSON logs on stderr (stdout belongs to `firebreak run` output). Every field and message goes
 * through the redactor, so a token in an error message or a URL with a password never lands in a log.
 */
export function createLogger(level: string, redactor: Redactor, destination: NodeJS.WritableStream = process.stderr): Logger & pino.Logger {
  const clean = <T>(v: T): T => redactor.redactValue(toLoggable(v)) as T;
  const logger = pino(
    {
      level,
      base: { app: 'firebreak' },
      redact: { paths: ['*.token', '*.password', '*.authorization', '*.headers.authorization', '*.headers.cookie'], censor: '***' },
      // Serialize (Errors included) first, then redact: redacting first would turn every Error into {}.
      formatters: { log: (obj) => clean(obj), bindings: (b) => clean(b) },
      // `err` is already plain data by now; pino's own serializer would rename its type to "Object" and fold in the cause.
      serializers: { err: (e: unknown) => e },
      hooks: {
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          const hasMessage = typeof rest[0] === 'string';
          let call: unknown[];
          if (first instanceof Error) {
            // pino would otherwise use err.message as the message verbatim, unredacted.
            call = [{ err: first }, hasMessage ? rest[0] : first.message, ...rest.slice(hasMessage ? 1 : 0)];
          } else if (first !== null && typeof first === 'object' && !hasMessage && (first as { err?: unknown }).err instanceof Error && (first as { msg?: unknown }).msg === undefined) {
            call = [first, ((first as { err: Error }).err).message, ...rest];
          } else {
            call = [first, ...rest];
          }
          const redacted = call.map((a, i) => (typeof a === 'string' ? redactor.redact(a) : i === 0 ? a : clean(a)));
          method.apply(this, redacted as Parameters<typeof method>);
        },
      },
    },
    destination as pino.DestinationStream,
  );
  // pino applies formatters.bindings to the root's bindings only, not to a child's: redact those here.
  // Children inherit from their parent, so this covers grandchildren too.
  const child = logger.child as unknown as (this: unknown, bindings: pino.Bindings, options?: unknown) => pino.Logger;
  logger.child = function (this: unknown, bindings: pino.Bindings, options?: unknown) {
    return child.call(this, clean(bindings), options);
  } as unknown as typeof logger.child;
  return logger;
}
