import { z } from 'zod';

/** The parts of an interaction Firebreak reads. Unknown fields pass through untouched. */
const userSchema = z.object({
  id: z.string().min(1),
  username: z.string(),
  global_name: z.string().nullish(),
});

export interface CommandOption {
  name: string;
  type: number;
  value?: string | number | boolean;
  options?: CommandOption[];
}

export const commandOptionSchema: z.ZodType<CommandOption> = z.lazy(() =>
  z.object({
    name: z.string(),
    type: z.number().int(),
    value: z.union([z.string(), z.number(), z.boolean()]).optional(),
    options: z.array(commandOptionSchema).optional(),
  }),
);

export const InteractionKind = { Ping: 1, ApplicationCommand: 2, MessageComponent: 3, Autocomplete: 4, ModalSubmit: 5 } as const;

export const interactionSchema = z.object({
  id: z.string().min(1),
  application_id: z.string(),
  type: z.number().int(),
  token: z.string().default(''),
  guild_id: z.string().optional(),
  channel_id: z.string().optional(),
  channel: z.object({ id: z.string(), name: z.string().nullish() }).partial({ name: true }).optional(),
  member: z.object({ user: userSchema, nick: z.string().nullish() }).optional(),
  user: userSchema.optional(),
  data: z
    .object({
      name: z.string().optional(),
      options: z.array(commandOptionSchema).optional(),
      custom_id: z.string().max(100).optional(),
      component_type: z.number().int().optional(),
      /** 1 a slash command, 3 a message command (then target_id is the message). */
      type: z.number().int().optional(),
      target_id: z.string().optional(),
      /** A modal's submission (type 5): action rows of text inputs, each with its custom_id and value. */
      components: z
        .array(z.object({ type: z.number().int(), components: z.array(z.object({ type: z.number().int(), custom_id: z.string(), value: z.string().nullish() }).passthrough()).default([]) }).passthrough())
        .optional(),
      /** The users a user option refers to, and a message command's message, by id. */
      resolved: z
        .object({
          users: z.record(z.string(), userSchema).optional(),
          messages: z.record(z.string(), z.object({ id: z.string(), content: z.string().default(''), author: userSchema.optional() })).optional(),
        })
        .passthrough()
        .optional(),
    })
    .optional(),
  /** For a click: the message the button is on, as Discord shows it (put back after progress covered it). */
  message: z
    .object({
      id: z.string(),
      content: z.string().optional(),
      embeds: z.array(z.record(z.string(), z.unknown())).optional(),
      components: z.array(z.record(z.string(), z.unknown())).optional(),
    })
    .optional(),
});

export type Interaction = z.infer<typeof interactionSchema>;
