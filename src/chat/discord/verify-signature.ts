import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 raw key bytes follow it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Builds a key from the application's public key as the Developer Portal shows it (64 hex chars). */
export function discordPublicKey(hex: string): KeyObject {
  if (!/^[0-9a-fA-F]{64}$/.test(hex.trim())) {
    throw new Error('DISCORD_PUBLIC_KEY must be the 64 hex characters shown as "Public Key" in the Discord Developer Portal.');
  }
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex.trim(), 'hex')]), format: 'der', type: 'spki' });
}

/**
 * Discord signs timestamp + raw body with Ed25519. Anything unsigned, mis-signed or altered
 * is refused before it is parsed, so nothing in it can run.
 */
export function verifyDiscordSignature(key: KeyObject, signatureHex: string | undefined, timestamp: string | undefined, rawBody: Buffer): boolean {
  if (!signatureHex || !timestamp || !/^[0-9a-fA-F]{128}$/.test(signatureHex)) return false;
  try {
    return verify(null, Buffer.concat([Buffer.from(timestamp, 'utf8'), rawBody]), key, Buffer.from(signatureHex, 'hex'));
  } catch {
    return false;
  }
}
