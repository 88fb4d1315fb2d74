/** The platform id of everything Discord: actors, channels, the chat port. */
export const DISCORD_PLATFORM = 'discord';
