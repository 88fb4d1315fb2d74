import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Coordination } from './ports.js';

/**
 * Secret params that must wait for Confirm (a card, a second person) are split in two: the values,
 * encrypted (AES-256-GCM) with a key made for this one confirmation, travel in the stored plan; the
 * key is held in coordination (Redis, or this process) for the confirmation's lifetime and taken —
 * read once and deleted — on Confirm. Neither the store nor Redis alone holds a readable secret, the
 * store's copy is useless once the key is gone, and an expired or restarted hold means "ask again",
 * never a run with a missing value.
 */
export const sealedSecretsSchema = z.object({ ref: z.string().min(1), iv: z.string(), tag: z.string(), data: z.string() });
export type SealedSecrets = z.infer<typeof sealedSecretsSchema>;

const heldKey = (ref: string) => `secret:${ref}`;

export async function sealSecrets(coordination: Coordination, secrets: Readonly<Record<string, string>>, ttlMs: number): Promise<SealedSecrets> {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
  const ref = randomUUID();
  await coordination.hold(heldKey(ref), key.toString('base64'), ttlMs);
  return { ref, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** The secrets, or null when their key is no longer held (expired, used, or its holder restarted): ask again. */
export async function openSecrets(coordination: Coordination, sealed: SealedSecrets): Promise<Record<string, string> | null> {
  const key = await coordination.takeHeld(heldKey(sealed.ref));
  return key === null ? null : decrypt(sealed, key);
}

function decrypt(sealed: SealedSecrets, key: string): Record<string, string> {
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(key, 'base64'), Buffer.from(sealed.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  const text = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
  return z.record(z.string(), z.string()).parse(JSON.parse(text));
}

/**
 * A procedure's secrets are needed by several steps, across gates and failures: the key is taken while
 * a process runs the steps (so no other copy is readable meanwhile), then held again for as long as the
 * run waits for a person. Null when the key is no longer held: a step that needs it fails, never runs without.
 */
export async function openSecretsKeeping(
  coordination: Coordination,
  sealed: SealedSecrets,
): Promise<{ secrets: Record<string, string>; holdAgain: (ttlMs: number) => Promise<void> } | null> {
  const key = await coordination.takeHeld(heldKey(sealed.ref));
  if (key === null) return null;
  return { secrets: decrypt(sealed, key), holdAgain: (ttlMs) => coordination.hold(heldKey(sealed.ref), key, ttlMs) };
}

/** Forgets the key now (a finished run): the stored ciphertext can never be read again. */
export async function dropSecrets(coordination: Coordination, sealed: SealedSecrets): Promise<void> {
  await coordination.takeHeld(heldKey(sealed.ref));
}
