import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

/**
 * Signs interactions the way Discord does: Ed25519 over timestamp + raw body, with a key pair
 * made for the test. `publicKeyHex` is what DISCORD_PUBLIC_KEY would hold.
 */
export interface DiscordSigner {
  publicKeyHex: string;
  headers(body: string, timestamp?: string): Record<string, string>;
}

export function discordSigner(): DiscordSigner {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return signerFor(publicKey, privateKey);
}

function signerFor(publicKey: KeyObject, privateKey: KeyObject): DiscordSigner {
  // The SPKI DER of an Ed25519 key ends with the 32 raw key bytes.
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return {
    publicKeyHex: der.subarray(der.length - 32).toString('hex'),
    headers(body, timestamp = String(Math.floor(Date.now() / 1000))) {
      const signature = sign(null, Buffer.from(timestamp + body, 'utf8'), privateKey).toString('hex');
      return { 'content-type': 'application/json', 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp };
    },
  };
}

let seq = 0;
const nextId = () => `${1_300_000_000_000_000_000n + BigInt(++seq) * 1000n + BigInt(Math.floor(Math.random() * 1000))}`;

export interface InteractionUser {
  id: string;
  username: string;
}

export interface InteractionChannel {
  id: string;
  name: string;
}

function base(applicationId: string, user: InteractionUser, channel: InteractionChannel, guildId: string) {
  return {
    id: nextId(),
    application_id: applicationId,
    token: `tok-${nextId()}`,
    version: 1,
    guild_id: guildId,
    channel_id: channel.id,
    channel: { id: channel.id, name: channel.name, type: 0 },
    member: { user: { id: user.id, username: user.username, global_name: user.username.toUpperCase(), discriminator: '0' }, nick: null, roles: [] },
    app_permissions: '0',
    locale: 'en-US',
  };
}

/** An application command (type 2) as Discord sends it for `/name option:value …`. */
export function commandInteraction(
  applicationId: string,
  name: string,
  options: unknown[],
  who: { user: InteractionUser; channel: InteractionChannel; guildId?: string },
) {
  return { ...base(applicationId, who.user, who.channel, who.guildId ?? '900000000000000001'), type: 2, data: { id: nextId(), name, type: 1, options } };
}

/** A button click (type 3 MESSAGE_COMPONENT) on a message. */
export function buttonInteraction(applicationId: string, customId: string, who: { user: InteractionUser; channel: InteractionChannel; guildId?: string; messageId?: string }) {
  return {
    ...base(applicationId, who.user, who.channel, who.guildId ?? '900000000000000001'),
    type: 3,
    data: { custom_id: customId, component_type: 2 },
    message: { id: who.messageId ?? nextId(), channel_id: who.channel.id, content: '', embeds: [] },
  };
}

/** A modal's submission (type 5 MODAL_SUBMIT): each text input's custom_id and value, in action rows, as Discord sends them. */
export function modalSubmitInteraction(applicationId: string, customId: string, values: Record<string, string>, who: { user: InteractionUser; channel: InteractionChannel; guildId?: string }) {
  return {
    ...base(applicationId, who.user, who.channel, who.guildId ?? '900000000000000001'),
    type: 5,
    data: { custom_id: customId, components: Object.entries(values).map(([id, value]) => ({ type: 1, components: [{ type: 4, custom_id: id, value }] })) },
  };
}
