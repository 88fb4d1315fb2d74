/**
 * A private prompt for secret params: what a platform shows instead of running the command (a Slack
 * modal, a Discord modal, a hidden console prompt), then dispatches `commandText` again with the
 * values as Invocation.secrets. Asking records nothing; the command does, once it has them.
 */
export interface SecretPrompt {
  /** The modal's title, e.g. "rotate-openai-key" (platforms cut it to their limit). */
  title: string;
  /** The command as typed, without any secret: what runs once the values are given. */
  commandText: string;
  fields: SecretField[];
}

export interface SecretField {
  /** The param's name: the key of Invocation.secrets. */
  name: string;
  /** What the person reads above the input (the param's description, or its name). */
  label: string;
  required: boolean;
}

/** Platforms' modal ids carry the command text; the prefix tells a secret modal's submission apart. */
export const SECRET_MODAL_PREFIX = 'fb-secret:';
