import helmet, { HelmetOptions } from 'helmet';

/** Helmet's policy for every answer. Swagger UI at /docs runs inline scripts and styles. */
export const SECURITY_HEADER_POLICY: Readonly<HelmetOptions> = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", "'unsafe-inline'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
    },
  },
};

/**
 * The headers helmet sets for `policy`, worked out once. They depend on the policy alone, so a
 * request needs only to copy them (`@fastify/helmet` builds helmet's middleware again on every
 * request, parsing the CSP directives each time).
 */
export function securityHeaders(
  policy: Readonly<HelmetOptions> = SECURITY_HEADER_POLICY,
): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  let done = false;
  helmet(policy)({} as never, response as never, (error?: unknown) => {
    if (error) throw error as Error;
    done = true;
  });
  // Helmet's middlewares are synchronous; one that is not would leave headers out here.
  if (!done) throw new Error('helmet did not finish synchronously; its headers are incomplete');
  return Object.freeze(headers);
}
