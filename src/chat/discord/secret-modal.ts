import { SECRET_MODAL_PREFIX, type SecretPrompt } from '../../core/secret-prompt.js';
import { cut } from '../../core/text-format.js';

/** Discord's limits: a custom_id holds 100 characters, a title and a label 45, a modal 5 rows. */
const CUSTOM_ID_MAX = 100;
const MODAL_ROWS = 5;
const ACTION_ROW = 1;
const TEXT_INPUT = 4;
const SHORT = 1;
/** The interaction response that opens a modal (MODAL). */
export const MODAL_RESPONSE = 9;

export const DISCORD_SECRET_PREFIX = `${SECRET_MODAL_PREFIX}d:`;

/**
 * The private prompt as a Discord modal (interaction response type 9), or a sentence saying why it
 * cannot be one. The custom_id carries the command (it has no secret in it), so whichever replica
 * receives the MODAL_SUBMIT runs it; only the person who typed the command sees the modal.
 */
export function secretModal(prompt: SecretPrompt): { type: number; data: Record<string, unknown> } | { problem: string } {
  const customId = `${DISCORD_SECRET_PREFIX}${prompt.commandText}`;
  if (customId.length > CUSTOM_ID_MAX) return { problem: `${cut(prompt.commandText, 60)} is too long for Discord's private prompt (${CUSTOM_ID_MAX - DISCORD_SECRET_PREFIX.length} characters at most), so nothing was run; shorten its params.` };
  if (prompt.fields.length > MODAL_ROWS) return { problem: `${prompt.title} asks for ${prompt.fields.length} secrets; a Discord modal holds ${MODAL_ROWS}. Nothing was run; run it from the console with --secret.` };
  return {
    type: MODAL_RESPONSE,
    data: {
      custom_id: customId,
      title: cut(prompt.title, 45),
      components: prompt.fields.map((f) => ({
        type: ACTION_ROW,
        components: [{ type: TEXT_INPUT, custom_id: f.name, label: cut(f.label, 45), style: SHORT, required: f.required, max_length: 4000 }],
      })),
    },
  };
}

/** The command a submitted secret modal carries, or null when the custom_id is not ours. */
export function modalCommand(customId: string | undefined): string | null {
  return customId?.startsWith(DISCORD_SECRET_PREFIX) ? customId.slice(DISCORD_SECRET_PREFIX.length) : null;
}

/** The submitted values by param name; empty inputs are left out. */
export function submittedSecrets(rows: readonly { components: readonly { custom_id: string; value?: string | null }[] }[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const row of rows) for (const c of row.components) if (typeof c.value === 'string' && c.value !== '') out.set(c.custom_id, c.value);
  return out;
}
