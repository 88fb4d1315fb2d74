/** What every room logs through (pino in src/logging; every line passes the Redactor). A leaf: anything may import it. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
