/**
 * Sets `key` as the newest entry of `map` (a Map keeps insertion order), dropping the oldest
 * when `max` entries are held: a bounded cache that forgets what was set longest ago.
 */
export function setNewest<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) map.delete(map.keys().next().value as K);
  map.set(key, value);
}
