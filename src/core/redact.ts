import { stripBidiControls } from './bidi.js';

/**
 * Masks secrets in any text before it is logged, shown or stored. Two layers: the exact values
 * the config took from the environment, and patterns for credentials that were never configured
 * (a token echoed by a tool, a password in a URL).
 */
const PATTERNS: [RegExp, string][] = [
  // user:password@ in URLs. The scheme starts where no scheme character precedes it: with \b it
  // could start at every letter of "a-a-a-…", and 200,000 such characters took 30 s instead of 10 ms.
  [/((?<![a-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/)([^\s:/@]*):([^\s@/]+)@/gi, '$1$2:***@'],
  // Slack tokens, Discord bot tokens, AWS keys, bearer tokens, GitHub tokens
  [/\bxox[abposr]-[A-Za-z0-9-]{6,}/g, 'xox*-***'],
  [/\bxapp-[A-Za-z0-9-]{6,}/g, 'xapp-***'],
  [/\b[MN][A-Za-z\d_-]{23,25}\.[A-Za-z\d_-]{6}\.[A-Za-z\d_-]{27,38}\b/g, '***discord-token***'],
  [/\bAKIA[0-9A-Z]{16}\b/g, 'AKIA***'],
  [/\b(gh[pousr]_)[A-Za-z0-9]{20,}\b/g, '$1***'],
  [/\b(bearer|token|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 ***'],
  [/\bsk-[A-Za-z0-9_-]{16,}\b/g, 'sk-***'],
];

/**
 * key=value, key: value and "key": "value" for well-known secret names. Only the value is masked:
 * - the name ends in one of them (PGPASSWORD, DB_PASSWORD, client-secret, x-api-key); `pwd` is not
 *   one, as PWD and OLDPWD (the shell's working directory, in every `env` dump) are not passwords;
 * - a quoted value is masked up to its closing quote; a bare one stops at whitespace, the quote and
 *   separator characters and the shell's metacharacters, so `TOKEN=abc;curl … | jq` keeps `;curl … | jq`;
 * - a reference ($GITHUB_TOKEN, ${VAR}, {{ secret }}) and an already masked *** are shown as they
 *   are: they are not the secret, and they say where it came from.
 */
const KEY_VALUE =
  /(?<![A-Za-z0-9_.-])((?:[A-Za-z0-9_.-]*?)(?:password|passwd|secret|token|api[_-]?key|access[_-]?key)["']?\s*[:=]\s*)(?:"([^"\n]{3,})"|'([^'\n]{3,})'|([^\s"'`,;&|<>(){}[\]]{3,}))/gi;
const REFERENCE = /^(?:\$|\{\{|\*\*\*)/;

function maskKeyValue(match: string, key: string, dq: string | undefined, sq: string | undefined, bare: string | undefined): string {
  const value = dq ?? sq ?? bare ?? '';
  if (REFERENCE.test(value)) return match;
  if (dq !== undefined) return `${key}"***"`;
  if (sq !== undefined) return `${key}'***'`;
  return `${key}***`;
}

/** A secret is masked even when it was cut short; a shorter piece of one tells too little to matter. */
const MIN_SECRET_LENGTH = 4;

/** A name is a whole word: what precedes it is not a character a config name may contain. */
const NAME_CHAR = /[A-Za-z0-9_.-]/;

/** How many secrets given at run time (secret params) one process keeps masking; the oldest go first. */
const MAX_LEARNED = 1000;

export class Redactor {
  private values: string[];
  private readonly learned: string[] = [];
  private readonly names: ReadonlySet<string>;

  /**
   * `names` are the config's own names (services, datastores, actions, backup targets): public, and
   * what Firebreak's titles end in ("Restarting litellm…"). One of them whole before an ellipsis is
   * that name, not what a length limit left of a secret that happens to start with it.
   */
  constructor(secretValues: readonly string[] = [], names: Iterable<string> = []) {
    // Longest first so a secret containing another is masked whole.
    this.values = [...new Set(secretValues.filter((v) => v.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
    this.names = new Set(names);
  }

  /** The text masked, and without bidi override controls (bidi.ts): what may be shown, logged or stored. */
  redact(text: string): string {
    let out = stripBidiControls(text);
    for (const v of this.values) out = out.split(v).join('***');
    out = this.maskCutSecrets(out);
    for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
    return out.replace(KEY_VALUE, maskKeyValue);
  }

  /**
   * A typed secret that a length limit cut short ("got \"q7Zr-note-val…\"", a 150-character header)
   * is still most of the secret: the start of one right before an ellipsis is masked too. Titles
   * Firebreak writes end in an ellipsis as well ("Restarting litellm…"), and a text alone does not
   * say which ellipsis a cut made: a piece that is one of the config's names, whole, is that name.
   */
  private maskCutSecrets(text: string): string {
    if (this.values.length === 0 || !text.includes('…')) return text;
    let out = '';
    let from = 0;
    for (let i = text.indexOf('…'); i >= 0; i = text.indexOf('…', i + 1)) {
      let longest = 0;
      for (const v of this.values) {
        for (let k = Math.min(v.length - 1, i - from); k >= MIN_SECRET_LENGTH && k > longest; k--) {
          if (text.startsWith(v.slice(0, k), i - k) && !this.isName(text, i - k, i)) {
            longest = k;
            break;
          }
        }
      }
      if (longest > 0) {
        out += `${text.slice(from, i - longest)}***`;
        from = i;
      }
    }
    return out + text.slice(from);
  }

  /** text[from, to) is one of the config's names, and a whole word there. */
  private isName(text: string, from: number, to: number): boolean {
    return this.names.has(text.slice(from, to)) && (from === 0 || !NAME_CHAR.test(text[from - 1]!));
  }

  redactArgv(argv: readonly string[]): string[] {
    return argv.map((a) => this.redact(a));
  }

  /**
   * Deep copy of arrays and plain objects with every string redacted; a cycle becomes "[Circular]"
   * instead of a hang. Anything else (a Date, a Buffer) has no text of ours and is kept as it is.
   */
  redactValue<T>(value: T, seen: WeakSet<object> = new WeakSet()): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (value === null || typeof value !== 'object') return value;
    const proto: unknown = Object.getPrototypeOf(value);
    if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value;
    if (seen.has(value)) return '[Circular]' as T;
    seen.add(value);
    let out: unknown;
    if (Array.isArray(value)) out = value.map((v: unknown) => this.redactValue(v, seen));
    else {
      const copy: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) copy[k] = this.redactValue(v, seen);
      out = copy;
    }
    seen.delete(value); // a value shared by two branches is not a cycle
    return out as T;
  }

  /**
   * Masks these from now on, in this redactor and so in every sink that shares it (logs, replies,
   * the timeline): a secret param given in a modal, or one typed in the channel by mistake.
   */
  learn(secrets: readonly string[]): void {
    const fresh = secrets.filter((v) => v.length >= MIN_SECRET_LENGTH && !this.values.includes(v));
    if (fresh.length === 0) return;
    this.learned.push(...fresh);
    const dropped = this.learned.length > MAX_LEARNED ? this.learned.splice(0, this.learned.length - MAX_LEARNED) : [];
    this.values = [...this.values.filter((v) => !dropped.includes(v)), ...fresh].sort((a, b) => b.length - a.length);
  }

  withValues(more: readonly string[]): Redactor {
    return new Redactor([...this.values, ...more], this.names);
  }
}

/** Keeps the end of long output (where errors are) and says how much was cut. */
export function excerpt(text: string, maxChars = 1500): string {
  const t = text.replace(/\r\n/g, '\n').trimEnd();
  if (t.length <= maxChars) return t;
  return `… (${t.length - maxChars} earlier characters cut)\n${t.slice(-maxChars)}`;
}
