import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ProbeModule } from './support/probe.module';
import { scrapeMetrics } from './support/metrics';
import { createTestApp } from './support/test-app';
import { API_SECURITY_HEADERS, securityHeaders } from '../src/common/http/security-headers';

const PROBLEM = 'application/problem+json; charset=utf-8';

describe('the HTTP foundation', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp({ imports: [ProbeModule] });
  });
  afterAll(() => app.close());

  const postJson = (url: string, payload: string) =>
    app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });

  it('answers malformed JSON with a 400 problem', async () => {
    const res = await postJson('/api/v1/__probe/echo', '{"name": "ab",');
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe(PROBLEM);
    expect(res.json()).toMatchObject({
      type: '/problems/malformed-json',
      title: 'Malformed JSON',
      status: 400,
      instance: '/api/v1/__probe/echo',
    });
  });

  it('answers an unknown route with a 404 problem', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/no-such-thing?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe(PROBLEM);
    expect(res.json()).toMatchObject({ status: 404, instance: '/api/v1/no-such-thing' });
  });

  it('answers an oversized body with a 413 problem', async () => {
    const name = 'x'.repeat(2 * 1024 * 1024);
    const res = await postJson('/api/v1/__probe/echo', JSON.stringify({ name, quantity: 1 }));
    expect(res.statusCode).toBe(413);
    expect(res.headers['content-type']).toBe(PROBLEM);
    expect(res.json()).toMatchObject({ type: '/problems/payload-too-large', status: 413 });
  });

  it('lists every invalid field, nested ones included', async () => {
    const res = await postJson(
      '/api/v1/__probe/echo',
      JSON.stringify({ name: 'a', quantity: 0, address: { city: '' } }),
    );
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.type).toBe('/problems/validation-failed');
    const fields = body.errors.map((e: { field: string }) => e.field).sort();
    expect(fields).toEqual(['address.city', 'name', 'quantity']);
  });

  it('refuses fields the route does not declare', async () => {
    const res = await postJson(
      '/api/v1/__probe/echo',
      JSON.stringify({ name: 'ab', quantity: 1, isAdmin: true }),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([
      { field: 'isAdmin', message: 'property isAdmin should not exist' },
    ]);
  });

  it('converts and passes a valid body through', async () => {
    const res = await postJson('/api/v1/__probe/echo', JSON.stringify({ name: 'ab', quantity: 3 }));
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ name: 'ab', quantity: 3 });
  });

  it('turns an unexpected error into a 500 that reveals nothing but the request id', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/__probe/boom' });
    expect(res.statusCode).toBe(500);
    const body = res.json();
    expect(body).toMatchObject({ type: '/problems/internal-error', status: 500 });
    expect(body.requestId).toBe(res.headers['x-request-id']);
    expect(res.body).not.toMatch(/hunter2|db-internal|stack|Error:/);
  });

  it('keeps a well-formed X-Request-Id and generates one otherwise', async () => {
    const kept = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'client-abc.123' },
    });
    expect(kept.headers['x-request-id']).toBe('client-abc.123');

    const replaced = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'bad id with spaces <script>' },
    });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends security headers and CORS only to allowed origins', async () => {
    const allowed = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { origin: 'http://localhost:5173' },
    });
    expect(allowed.headers['x-content-type-options']).toBe('nosniff');
    expect(allowed.headers['content-security-policy']).toContain("default-src 'none'");
    expect(allowed.headers['access-control-allow-origin']).toBe('http://localhost:5173');

    const other = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers a CORS preflight from an allowed origin for every method the API uses, and not another', async () => {
    const preflight = (origin: string, method = 'PATCH') =>
      app.inject({
        method: 'OPTIONS',
        url: '/api/v1/cart/items/0b6c4a8e-0000-4000-8000-000000000000',
        headers: {
          origin,
          'access-control-request-method': method,
          'access-control-request-headers': 'authorization, content-type, x-cart-id',
        },
      });
    const allowed = await preflight('http://localhost:5173');
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers).toMatchObject({
      'access-control-allow-origin': 'http://localhost:5173',
      'access-control-allow-credentials': 'true',
      'access-control-allow-headers': 'authorization, content-type, x-cart-id',
    });
    // A storefront on another origin changes and empties its cart, and uploads an avatar.
    expect(allowed.headers['access-control-allow-methods']!.toString().split(/,\s*/)).toEqual(
      expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    );
    // Browsers keep the answer a while instead of asking before every request.
    expect(Number(allowed.headers['access-control-max-age'])).toBeGreaterThanOrEqual(600);
    const other = await preflight('https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('sends the same security headers on every answer: success, 404, 401 and 400', async () => {
    const expected = API_SECURITY_HEADERS;
    const answers = await Promise.all([
      app.inject({ method: 'GET', url: '/health' }),
      app.inject({ method: 'GET', url: '/api/v1/no-such-route' }),
      app.inject({ method: 'GET', url: '/api/v1/users/me' }),
      app.inject({ method: 'GET', url: '/api/v1/products?limit=abc' }),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 404, 401, 400]);
    for (const answer of answers) {
      for (const [name, value] of Object.entries(expected)) {
        expect([name, answer.headers[name]]).toEqual([name, value]);
      }
      expect(answer.headers['x-powered-by']).toBeUndefined();
      // None of helmet's headers for documents on a JSON answer.
      expect(answer.headers['x-dns-prefetch-control']).toBeUndefined();
    }
  });

  it("sends helmet's headers for documents on HTML answers and Swagger UI's files, the API's on the OpenAPI document", async () => {
    const answers = await Promise.all([
      app.inject({ method: 'GET', url: '/docs' }),
      app.inject({ method: 'GET', url: '/docs/swagger-ui-bundle.js' }),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200]);
    const [page] = answers;
    expect(page.headers['content-type']).toContain('text/html');
    for (const answer of answers) {
      for (const [name, value] of Object.entries(securityHeaders())) {
        expect([name, answer.headers[name]]).toEqual([name, value]);
      }
    }
    expect(page.headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");
    const document = await app.inject({ method: 'GET', url: '/docs-json' });
    expect(document.statusCode).toBe(200);
    expect(document.headers['content-security-policy']).toBe(
      API_SECURITY_HEADERS['content-security-policy'],
    );
    expect(document.headers['x-frame-options']).toBe('DENY');
  });

  it('serves liveness and readiness outside the API prefix', async () => {
    const live = await app.inject({ method: 'GET', url: '/health' });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: 'ok', info: {}, error: {}, details: {} });

    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().details).toEqual({ database: { status: 'up' }, redis: { status: 'up' } });

    const prefixed = await app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(prefixed.statusCode).toBe(404);
  });

  it('exports request durations by route and status on /metrics', async () => {
    await app.inject({ method: 'GET', url: '/api/v1/no-such-thing' });
    await postJson('/api/v1/__probe/echo', JSON.stringify({ name: 'ab', quantity: 1 }));
    const body = await scrapeMetrics(app);
    expect(body).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/__probe\/echo",status_code="201"\} [1-9]/,
    );
    expect(body).toContain('process_cpu_seconds_total');
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('swagger-ui');
  });
});
