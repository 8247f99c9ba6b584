import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * The pages e-mail links open when PUBLIC_WEB_URL is the API itself (a local run without a
 * storefront): `/verify-email?token=` verifies on load, `/reset-password?token=` asks for the
 * new password, both through the API's own routes; `/orders/:id` leads to the order's JSON
 * (the API's answer: the order for its signed-in buyer, 401 for anyone else). Self-contained
 * pages (inline style and script, as the CSP allows) that put no user data in the markup.
 */
export function registerEmailLinkPages(fastify: FastifyInstance, apiPrefix: string): void {
  const api = `/${apiPrefix}`;
  fastify.get('/verify-email', (_request, reply) =>
    sendPage(reply, 'Verify your e-mail address', VERIFY_BODY, verifyScript(api)),
  );
  fastify.get('/reset-password', (_request, reply) =>
    sendPage(reply, 'Choose a new password', RESET_BODY, resetScript(api)),
  );
  fastify.get<{ Params: { id: string } }>('/orders/:id', (request, reply) =>
    reply.redirect(`${api}/orders/${encodeURIComponent(request.params.id)}`, 302),
  );
}

function sendPage(reply: FastifyReply, title: string, body: string, script: string) {
  return reply
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store').send(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f5f7; margin: 0; }
  main { max-width: 24rem; margin: 12vh auto; background: #fff; padding: 2rem;
         border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
  h1 { font-size: 1.25rem; margin: 0 0 1rem; }
  label { display: block; font-size: .85rem; margin: .75rem 0 .25rem; }
  input { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }
  button { margin-top: 1.25rem; width: 100%; padding: .6rem; font-size: 1rem; cursor: pointer; }
  [role=status] { min-height: 1.2em; margin-top: 1rem; }
</style>
</head>
<body>
<main>
  <h1>${title}</h1>
${body}
  <p id="result" role="status"></p>
</main>
<script>
  const token = new URLSearchParams(location.search).get('token') || '';
  const result = document.getElementById('result');
  /** POSTs to the API; the problem's detail (or a plain message) when it refuses. */
  async function call(path, body) {
    try {
      const res = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (res.ok) return null;
      const problem = await res.json().catch(() => ({}));
      return problem.detail || 'The request failed (' + res.status + ').';
    } catch {
      return 'The server did not answer; try again.';
    }
  }
${script}
</script>
</body>
</html>
`);
}

const VERIFY_BODY = `  <p>Checking the link…</p>`;

const verifyScript = (api: string) => `
  call('${api}/auth/verify-email', { token }).then((error) => {
    result.textContent = error || 'Your e-mail address is verified.';
  });`;

const RESET_BODY = `  <form id="reset">
    <label for="password">New password</label>
    <input id="password" name="password" type="password" autocomplete="new-password" required>
    <button type="submit">Set the new password</button>
  </form>`;

const resetScript = (api: string) => `
  document.getElementById('reset').addEventListener('submit', async (event) => {
    event.preventDefault();
    result.textContent = '';
    const password = new FormData(event.target).get('password');
    const error = await call('${api}/auth/password/reset', { token, password });
    result.textContent = error || 'Your password is changed: sign in with it.';
    if (!error) event.target.remove();
  });`;
