/**
 * The chat platforms Firebreak speaks. One list: the config schema (chat.workspaces, role members),
 * the chat directory and main.ts's platform modules all read it, so a new platform is added here once.
 */
export const PLATFORM_IDS = ['slack', 'discord', 'console'] as const;
export type PlatformId = (typeof PLATFORM_IDS)[number];

