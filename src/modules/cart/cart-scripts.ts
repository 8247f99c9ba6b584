import type Redis from 'ioredis';

/**
 * The cart's Lua scripts: each runs atomically in Redis, so concurrent requests on one cart
 * (two tabs, two logins) never lose or double an update. Keys are passed as KEYS, so the
 * connection's key prefix applies to them.
 */

/**
 * Adds to (`add`) or sets (`set`) one line, capped at the per-line maximum, and refreshes the
 * TTL. Returns the whole cart as a flat [field, value, …] list, or a status number:
 * -1 the cart already holds the maximum number of lines; -2 `set` on a line not in the cart;
 * -3 the cart does not exist and ARGV[7] is '1' (a guest id this server did not issue, or expired).
 * ARGV: variantId, quantity, mode, maxLineQuantity, maxLines, ttlSeconds, mustExist.
 */
const CHANGE_LINE = `
local key = KEYS[1]
if ARGV[7] == '1' and redis.call('EXISTS', key) == 0 then return -3 end
local field = ARGV[1]
local quantity = tonumber(ARGV[2])
local maxLine = tonumber(ARGV[4])
local current = tonumber(redis.call('HGET', key, field) or '0')
local next = quantity
if ARGV[3] == 'add' then next = current + quantity end
if next > maxLine then next = maxLine end
if next <= 0 then
  redis.call('HDEL', key, field)
else
  if current == 0 then
    if ARGV[3] == 'set' then return -2 end
    if redis.call('HLEN', key) >= tonumber(ARGV[5]) then return -1 end
  end
  redis.call('HSET', key, field, next)
end
if redis.call('EXISTS', key) == 1 then redis.call('EXPIRE', key, tonumber(ARGV[6])) end
return redis.call('HGETALL', key)
`;

/**
 * Merges the guest cart (KEYS[1]) into the user's (KEYS[2]) and deletes the guest cart, in one
 * step: two logins presenting the same guest cart merge it once. Quantities add up, capped per
 * line; guest lines past the maximum number of lines are dropped.
 * Returns { merged lines, capped lines, dropped lines }. ARGV: maxLineQuantity, maxLines, ttl.
 */
const MERGE = `
local guest = redis.call('HGETALL', KEYS[1])
if #guest == 0 then return {0, 0, 0} end
local maxLine = tonumber(ARGV[1])
local maxLines = tonumber(ARGV[2])
local merged, capped, dropped = 0, 0, 0
for i = 1, #guest, 2 do
  local field = guest[i]
  local current = tonumber(redis.call('HGET', KEYS[2], field) or '0')
  local next = current + tonumber(guest[i + 1])
  if next > maxLine then next = maxLine; capped = capped + 1 end
  if current == 0 and redis.call('HLEN', KEYS[2]) >= maxLines then
    dropped = dropped + 1
  else
    redis.call('HSET', KEYS[2], field, next)
    merged = merged + 1
  end
end
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3])) end
return {merged, capped, dropped}
`;

/**
 * Takes the quantities just ordered out of the cart: a line drops when nothing is left, and
 * what the buyer added meanwhile (another tab) stays. ARGV: variantId, quantity, … pairs.
 */
const TAKE_ORDERED = `
for i = 1, #ARGV, 2 do
  local current = tonumber(redis.call('HGET', KEYS[1], ARGV[i]) or '0')
  local left = current - tonumber(ARGV[i + 1])
  if left > 0 then redis.call('HSET', KEYS[1], ARGV[i], left)
  else redis.call('HDEL', KEYS[1], ARGV[i]) end
end
return 1
`;

export interface CartRedis extends Redis {
  cartChangeLine(
    key: string,
    variantId: string,
    quantity: number,
    mode: 'add' | 'set',
    maxLineQuantity: number,
    maxLines: number,
    ttlSeconds: number,
    mustExist: 0 | 1,
  ): Promise<string[] | number>;
  cartMerge(
    guestKey: string,
    userKey: string,
    maxLineQuantity: number,
    maxLines: number,
    ttlSeconds: number,
  ): Promise<[number, number, number]>;
  cartTakeOrdered(key: string, ...pairs: (string | number)[]): Promise<number>;
}

/** Registers the scripts on the connection once (ioredis runs them by SHA, loading on miss). */
export function withCartScripts(redis: Redis): CartRedis {
  const client = redis as CartRedis;
  if (typeof client.cartChangeLine !== 'function') {
    redis.defineCommand('cartChangeLine', { numberOfKeys: 1, lua: CHANGE_LINE });
    redis.defineCommand('cartMerge', { numberOfKeys: 2, lua: MERGE });
    redis.defineCommand('cartTakeOrdered', { numberOfKeys: 1, lua: TAKE_ORDERED });
  }
  return client;
}
