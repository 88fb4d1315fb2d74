import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { connect, type TLSSocket, type PeerCertificate } from 'node:tls';
import type { TlsCheckConfig } from '../../config/schema.js';
import type { ProbeResult } from '../../core/ports.js';
import { describeNetworkError, withTimeout } from './with-timeout.js';

const DAY_MS = 86_400_000;
const day = (d: Date) => d.toISOString().slice(0, 10);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Node's verification codes, in the words of someone renewing a certificate. */
function untrustedReason(code: string): string {
  switch (code) {
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return 'it is self-signed';
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return 'its chain ends in a self-signed CA that is not trusted';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
      return 'its issuer is not trusted (an intermediate certificate missing, or an internal CA: set ca_file)';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'it is not for this name';
    case 'CERT_NOT_YET_VALID':
      return 'it is not valid yet';
    case 'CERT_REVOKED':
      return 'it was revoked';
    default:
      return code;
  }
}

export interface TlsJudgement {
  ok: boolean;
  warning?: boolean;
  detail: string;
}

/**
 * The verdict on a peer certificate: expired or (unless insecure) untrusted fails; expiring within
 * warn_days warns. Pure, so the wording is tested without a server.
 */
export function judgeCertificate(
  check: Pick<TlsCheckConfig, 'warn_days' | 'insecure'>,
  name: string,
  cert: { validFrom: Date; validTo: Date },
  verification: { authorized: boolean; error?: string | undefined },
  now: Date,
): TlsJudgement {
  const subject = `certificate for ${name}`;
  const msLeft = cert.validTo.getTime() - now.getTime();
  if (msLeft <= 0) return { ok: false, detail: `${subject} expired ${plural(Math.floor(-msLeft / DAY_MS), 'day')} ago (${day(cert.validTo)})` };
  if (cert.validFrom.getTime() > now.getTime()) return { ok: false, detail: `${subject} is not valid until ${day(cert.validFrom)}` };
  if (!check.insecure && !verification.authorized) {
    return { ok: false, detail: `${subject} is not trusted: ${untrustedReason(verification.error ?? 'unknown verification error')}` };
  }
  const daysLeft = Math.floor(msLeft / DAY_MS);
  const when = daysLeft === 0 ? 'in less than a day' : `in ${plural(daysLeft, 'day')}`;
  if (msLeft < check.warn_days * DAY_MS) return { ok: true, warning: true, detail: `${subject} expires ${when} (${day(cert.validTo)})` };
  return { ok: true, detail: `${subject} valid until ${day(cert.validTo)} (${plural(daysLeft, 'day')})` };
}

/**
 * Connects, completes the handshake, reads the peer certificate and closes: nothing is sent. The
 * handshake never rejects an untrusted certificate itself (rejectUnauthorized: false) so that an
 * expired one can still say when it expired; trust is judged afterwards from `authorized`, which
 * Node sets from the chain and the name (servername) check.
 */
export async function probeTls(check: TlsCheckConfig, now: () => Date = () => new Date()): Promise<ProbeResult> {
  const name = check.servername ?? check.host;
  const target = `${check.host}:${check.port}`;
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  let socket: TLSSocket | undefined;
  try {
    let ca: Buffer | undefined;
    if (check.ca_file !== undefined) {
      try {
        ca = await readFile(check.ca_file);
      } catch (err) {
        return { ok: false, latencyMs: 0, target, detail: `ca_file ${check.ca_file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); fix the path or the file's permissions` };
      }
    }
    const { cert, authorized, error } = await withTimeout(
      check.timeout_ms,
      () =>
        new Promise<{ cert: PeerCertificate; authorized: boolean; error?: string }>((resolve, reject) => {
          socket = connect({
            host: check.host,
            port: check.port,
            // SNI must be a host name, never an IP address (RFC 6066); Node warns otherwise.
            servername: isIP(name) === 0 ? name : undefined,
            ca,
            rejectUnauthorized: false,
          });
          socket.once('secureConnect', () => {
            const s = socket!;
            const authorizationError = s.authorizationError as unknown;
            resolve({ cert: s.getPeerCertificate(), authorized: s.authorized, error: authorizationError === undefined || authorizationError === null ? undefined : String(authorizationError) });
          });
          socket.once('error', reject);
        }),
      () => socket?.destroy(),
    );
    const ms = latency();
    if (!cert || !cert.valid_to) return { ok: false, latencyMs: ms, target, detail: `${name} sent no certificate` };
    const verdict = judgeCertificate(check, name, { validFrom: new Date(cert.valid_from), validTo: new Date(cert.valid_to) }, { authorized, error }, now());
    return { ok: verdict.ok, latencyMs: ms, target, detail: verdict.detail, ...(verdict.warning ? { warning: true } : {}) };
  } catch (err) {
    return { ok: false, latencyMs: latency(), target, detail: describeNetworkError(err) };
  } finally {
    socket?.destroy();
  }
}
