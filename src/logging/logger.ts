import pino from 'pino';
import type { Logger } from '../core/ports.js';
import type { Redactor } from '../core/redact.js';

/**
 * JSON logs on stderr (stdout belongs to `firebreak run` output). Every field and message goes
 * through the redactor, so a token in an error message or a URL with a password never lands in a log.
 */
export function createLogger(level: string, redactor: Redactor, destination: NodeJS.WritableStream = process.stderr): Logger & pino.Logger {
  return pino(
    {
      level,
      base: { app: 'firebreak' },
      redact: { paths: ['*.token', '*.password', '*.authorization', '*.headers.authorization', '*.headers.cookie'], censor: '***' },
      formatters: { log: (obj) => redactor.redactValue(obj) },
      hooks: {
        logMethod(args, method) {
          const redacted = args.map((a: unknown) => (typeof a === 'string' ? redactor.redact(a) : a)) as Parameters<typeof method>;
          method.apply(this, redacted);
        },
      },
      serializers: { err: (e: unknown) => (e instanceof Error ? { type: e.name, message: redactor.redact(e.message), stack: redactor.redact(e.stack ?? '') } : e) },
    },
    destination as pino.DestinationStream,
  );
}
