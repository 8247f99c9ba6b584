import helmet from 'helmet';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { SECURITY_HEADER_POLICY, securityHeaders } from './security-headers';

/** What helmet's own middleware sets on a real Node response. */
function helmetOnARealResponse(): Record<string, string> {
  const request = new IncomingMessage(new Socket());
  const response = new ServerResponse(request);
  response.setHeader('X-Powered-By', 'something');
  let called = false;
  helmet(SECURITY_HEADER_POLICY)(request, response, () => (called = true));
  expect(called).toBe(true);
  return Object.fromEntries(
    Object.entries(response.getHeaders()).map(([name, value]) => [name, String(value)]),
  );
}

describe('security headers', () => {
  it("are exactly what helmet's middleware sets for the same policy", () => {
    const expected = helmetOnARealResponse();
    expect(expected['x-powered-by']).toBeUndefined();
    expect(securityHeaders()).toEqual(expected);
  });

  it('carry the policy: Swagger UI may run inline scripts, nothing else from elsewhere', () => {
    const headers = securityHeaders();
    expect(headers['content-security-policy']).toContain("default-src 'self'");
    expect(headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });

  it('follow another policy when given one', () => {
    expect(securityHeaders({ contentSecurityPolicy: false })['content-security-policy']).toBe(
      undefined,
    );
  });
});
