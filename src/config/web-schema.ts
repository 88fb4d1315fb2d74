import { z } from 'zod';

/** An HTTP header name as RFC 9110 spells a token: letters, digits and a few marks. */
const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, 'must be an HTTP header name, e.g. X-Forwarded-Email')
  .transform((h) => h.toLowerCase());

const componentSchema = z
  .object({
    /** What the public sees, e.g. "Checkout API" for the service `api`. */
    name: z.string().min(1).max(80),
    /** The health checks (services with health:, datastores) whose watch state is this component's; default: the component's own name. */
    checks: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

export const webSchema = z
  .object({
    /** How long a link posted in chat opens its page (hours): a week by default. */
    link_ttl_h: z.number().int().min(1).max(24 * 90).default(168),
    auth: z
      .object({
        /**
         * A header set by an authenticating proxy in front of Firebreak (oauth2-proxy's
         * X-Forwarded-Email): a request carrying it needs no signed link, and its user is shown and
         * logged. Only safe when the proxy is the only way in and overwrites the header.
         */
        trusted_header: headerName.optional(),
      })
      .strict()
      .default({}),
    status_page: z
      .object({
        enabled: z.boolean().default(false),
        title: z.string().min(1).max(80).default('Service status'),
        /** The components shown, keyed by service or datastore name, in this order. */
        components: z.record(z.string().min(1), componentSchema).default({}),
      })
      .strict()
      .default({ enabled: false, title: 'Service status', components: {} }),
  })
  .strict();

export type WebConfig = z.infer<typeof webSchema>;
export const defaultWebConfig: WebConfig = { link_ttl_h: 168, auth: {}, status_page: { enabled: false, title: 'Service status', components: {} } };
