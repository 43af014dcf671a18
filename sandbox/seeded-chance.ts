/**
 * A reproducible coin: `chance(rate, seed)` answers true for about `rate` of its calls, in the same
 * order on every run of a seed (mulberry32), so a fault injected "for a fifth of the calls" can be
 * replayed exactly.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function chance(rate: number, seed: number): () => boolean {
  const random = seededRandom(seed);
  return () => rate > 0 && random() < rate;
}
