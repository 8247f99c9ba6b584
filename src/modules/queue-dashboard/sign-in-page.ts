import { DASHBOARD_PATH } from './queue-dashboard-auth';

/**
 * What a browser gets at /admin/queues without an admin session: a form that posts to
 * `POST /admin/queues/login` and reloads the page it was on once the session cookie is set.
 * Self-contained (inline style and script, as the CSP allows), no user data in the markup.
 */
export function dashboardSignInPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Shop queues</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f4f5f7; margin: 0; }
  main { max-width: 22rem; margin: 12vh auto; background: #fff; padding: 2rem;
         border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.15); }
  h1 { font-size: 1.25rem; margin: 0 0 .25rem; }
  p { color: #555; margin: 0 0 1.5rem; font-size: .9rem; }
  label { display: block; font-size: .85rem; margin: .75rem 0 .25rem; }
  input { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }
  button { margin-top: 1.25rem; width: 100%; padding: .6rem; font-size: 1rem; cursor: pointer; }
  [role=alert] { color: #b00020; min-height: 1.2em; margin-top: 1rem; font-size: .9rem; }
</style>
</head>
<body>
<main>
  <h1>Shop queues</h1>
  <p>Sign in with an admin account to see the job queues.</p>
  <form id="sign-in">
    <label for="email">E-mail</label>
    <input id="email" name="email" type="email" autocomplete="username" required>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <button type="submit">Sign in</button>
    <div id="error" role="alert"></div>
  </form>
</main>
<script>
  document.getElementById('sign-in').addEventListener('submit', async (event) => {
    event.preventDefault();
    const error = document.getElementById('error');
    error.textContent = '';
    const form = new FormData(event.target);
    try {
      const res = await fetch('${DASHBOARD_PATH}/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: form.get('email'), password: form.get('password') }),
      });
      if (res.ok) return location.reload();
      const problem = await res.json().catch(() => ({}));
      error.textContent =
        res.status === 401 ? 'Wrong e-mail or password, or not an admin account.' :
        problem.detail || 'Sign-in failed (' + res.status + ').';
    } catch {
      error.textContent = 'The server did not answer; try again.';
    }
  });
</script>
</body>
</html>
`;
}
