import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived the last full collection before
 * it collects again: 20 %. By default it grows it by a factor picked from the collector's
 * speed (up to 4x): under the mixed soak (`npm run bench -- soak`) the API's old space went
 * 73 -> 216 MB and back between full collections, its RSS 199-333 MB (max/min 1.67). At 20 %
 * it stayed at 72-74 MB, RSS 191-202 MB (1.06), at no measurable CPU cost per request.
 */
export const HEAP_GROWING_PERCENT = 20;

/** Applies HEAP_GROWING_PERCENT to this process (V8 reads it at each full collection). */
export function limitHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
