import { z } from 'zod';
import { SECRET_MODAL_PREFIX, type SecretPrompt } from '../../core/secret-prompt.js';
import { cut } from '../../core/text-format.js';

/** Slack's view_submission of the secret modal: the values are under view.state.values[block_id][action_id]. */
export const viewSubmissionSchema = z.object({
  type: z.literal('view_submission'),
  user: z.object({ id: z.string().min(1), username: z.string().optional(), name: z.string().optional() }),
  team: z.object({ id: z.string().min(1) }).nullish(),
  view: z.object({
    id: z.string().min(1),
    callback_id: z.string(),
    private_metadata: z.string().default(''),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), z.object({ value: z.string().nullish() }).passthrough())) }),
  }),
});

/** What the modal carries to its submission: the command (without the secret), where it was typed, and its response_url. */
export const secretModalMetadataSchema = z.object({
  text: z.string(),
  channelId: z.string().min(1),
  channelName: z.string().default(''),
  responseUrl: z.string().url().optional(),
});
export type SecretModalMetadata = z.infer<typeof secretModalMetadataSchema>;

export const SLACK_SECRET_CALLBACK = `${SECRET_MODAL_PREFIX}slack`;
const VALUE_ACTION = 'value';

/**
 * The private prompt as a Slack modal. Only the person who typed the command sees it, and what they
 * type in it goes to Firebreak in the view_submission, never to the channel. Slack has no masked
 * input: plain_text_input shows the value to its typist only while the modal is open.
 */
export function secretModal(prompt: SecretPrompt, meta: SecretModalMetadata): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: SLACK_SECRET_CALLBACK,
    private_metadata: JSON.stringify(meta),
    title: { type: 'plain_text', text: cut(prompt.title, 24) },
    submit: { type: 'plain_text', text: 'Continue' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${cut(prompt.commandText, 200).replace(/[`*_~<>&]/g, ' ')} needs a secret. It goes to the tool only, through its environment, and is masked everywhere else.` } },
      ...prompt.fields.map((f) => ({
        type: 'input',
        block_id: f.name,
        optional: !f.required,
        label: { type: 'plain_text', text: cut(f.label, 2000) },
        element: { type: 'plain_text_input', action_id: VALUE_ACTION },
      })),
    ],
  };
}

/** The submitted values by param name; empty inputs are left out. */
export function submittedSecrets(values: Record<string, Record<string, { value?: string | null }>>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [block, actions] of Object.entries(values)) {
    const v = actions[VALUE_ACTION]?.value;
    if (typeof v === 'string' && v !== '') out.set(block, v);
  }
  return out;
}
