/**
 * The framework's ceiling: a bare Fastify process answering `GET /health` with fixed bytes
 * from memory (no logging, no hooks, no JSON serialisation). Started by bench/run.ts as its
 * own process (`BASELINE_PORT`), so it competes for the cores as the API does.
 */
import Fastify from 'fastify';

const BODY = Buffer.from('{"status":"ok"}');
const app = Fastify({ logger: false });

app.get('/health', (_request, reply) => {
  void reply.header('content-type', 'application/json; charset=utf-8').send(BODY);
});

app
  .listen({ port: Number(process.env.BASELINE_PORT ?? 3998), host: '127.0.0.1' })
  .catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
