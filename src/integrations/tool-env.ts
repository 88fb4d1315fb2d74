/**
 * What every external tool inherits from the Firebreak host: enough to find programs and files,
 * speak the locale and reach the network — no credentials. Firebreak's environment holds every
 * secret the config interpolates (one action's token, another's master key, the bot's own Slack
 * and database credentials); a tool gets only the ones its own config hands it (an action's
 * `env:`, PGPASSWORD for pg_dump), so a deploy script cannot read another action's token.
 */
const BASE_NAMES = new Set([
  'PATH',
  'HOME',
  'TMPDIR',
  'TZ',
  'LANG',
  'LANGUAGE',
  'KUBECONFIG',
  // kubectl running inside a pod finds its own cluster through these (addresses, not secrets).
  'KUBERNETES_SERVICE_HOST',
  'KUBERNETES_SERVICE_PORT',
  // Behind a proxy that intercepts TLS, tools need its CA as much as its address.
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  ...['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY'].flatMap((n) => [n, n.toLowerCase()]),
]);

function isBaseToolEnvName(name: string): boolean {
  return BASE_NAMES.has(name) || name.startsWith('LC_');
}

/** The base environment from `host` plus `own` (which wins). Use with execa's `extendEnv: false`. */
export function toolEnv(own: Readonly<Record<string, string>> = {}, host: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(host)) if (v !== undefined && isBaseToolEnvName(k)) env[k] = v;
  return { ...env, ...own };
}
