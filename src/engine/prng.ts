/**
 * Seeded pseudo-random streams. One seed is split into named streams, each derived from (seed, name), so
 * adding a draw in one part of the model never changes what another part draws. Nothing in the model may
 * call Math.random.
 */
import seedrandom from "seedrandom";

export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal draw (Box-Muller). */
  normal(): number;
  /** Exponential draw with the given mean. */
  exponential(mean: number): number;
}

export function prngStream(seed: number, name: string): Prng {
  const rng = seedrandom.alea(`esm-sim/${seed}/${name}`);
  return {
    next: () => rng(),
    int: (n: number) => Math.floor(rng() * n),
    normal: () => {
      let u = rng();
      while (u === 0) u = rng();
      const v = rng();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    exponential: (mean: number) => -Math.log(1 - rng()) * mean,
  };
}
