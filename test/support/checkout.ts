import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';

type Who = { auth: { authorization: string } };

/** `POST /cart/items` as `who`; the answer, unchecked. */
export function addToCart(app: NestFastifyApplication, who: Who, variantId: string, quantity = 1) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/cart/items',
    headers: who.auth,
    payload: { variantId, quantity },
  });
}

/** `POST /checkout` as `who` with `body` and an Idempotency-Key (a fresh one unless given). */
export function postCheckout(
  app: NestFastifyApplication,
  who: Who,
  body: Record<string, unknown> = {},
  key: string = randomUUID(),
) {
  return app.inject({
    method: 'POST',
    url: '/api/v1/checkout',
    headers: { ...who.auth, 'idempotency-key': key },
    payload: body,
  });
}
