/**
 * The rooms' import rules (docs/architecture.md), checked by test/unit/architecture.test.ts in
 * `npm test`, or by hand: `npx depcruise --config .dependency-cruiser.cjs src`.
 * Type-only imports count (tsPreCompilationDeps): a type cycle is a cycle.
 */
const DOMAIN = '^src/(alerts|incidents|postmortems|backups|procedures)/';

module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'No import cycle, type-only imports included: split the shared types into a leaf module.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-imports-only-core-and-config',
      comment: 'src/core knows no room: it defines the ports the others implement (the typed config is allowed).',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/(core|config)/' },
    },
    {
      name: 'config-imports-only-config',
      comment: 'src/config is below everything: what it needs (severities, platform ids) lives in it.',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/config/' },
    },
    {
      name: 'domain-not-chat-commands-app',
      comment: 'A domain room speaks through ports: it imports neither a chat platform, nor a command, nor the composition (src/app).',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: '^src/(chat|commands|app|http|web|store|integrations|scheduler)/|^src/(main|cli)\\.ts$' },
    },
    {
      name: 'store-not-upward',
      comment: 'The store implements rooms\' ports; it imports no page, route, platform, command or the composition.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/(web|http|chat|commands|app|scheduler)/|^src/(main|cli)\\.ts$' },
    },
    {
      name: 'app-only-from-the-top',
      comment: 'src/app (AppPorts, defineAppCommand) names every room: only main.ts, cli.ts and the commands use it.',
      severity: 'error',
      from: { pathNot: '^src/(app/|commands/|main\\.ts$|cli\\.ts$)' },
      to: { path: '^src/app/' },
    },
    {
      name: 'slack-sdk-only-in-chat-slack',
      severity: 'error',
      from: { pathNot: '^src/chat/slack/' },
      to: { path: '^node_modules/@slack/' },
    },
    {
      name: 'discord-sdk-only-in-chat-discord',
      severity: 'error',
      from: { pathNot: '^src/chat/discord/' },
      to: { path: '^node_modules/(discord\\.js|@discordjs)/' },
    },
    {
      name: 'execa-pg-only-in-integrations-store',
      comment: 'External programs and SQL connections only in src/integrations and src/store.',
      severity: 'error',
      from: { pathNot: '^src/(integrations|store)/' },
      to: { path: '^node_modules/(@types/)?(execa|pg)/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
  },
};
