/**
 * A fault test's random moments (kill times, targets) from one seed that the test prints, so a failing
 * run can be replayed: `SPACELOG_FAULT_SEED=<seed> npx jest <test>`. Mulberry32: small and fast.
 */
export interface SeededRandom {
  readonly seed: number;
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [min, max). */
  between(min: number, max: number): number;
}

/** The seed from SPACELOG_FAULT_SEED, else a fresh one; `label` names the test in the printed line. */
export function seededRandom(label: string, env: NodeJS.ProcessEnv = process.env): SeededRandom {
  const given = env.SPACELOG_FAULT_SEED;
  const seed =
    given !== undefined && given !== '' ? Number(given) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
  process.stdout.write(`[${label}] random seed ${seed} (replay: SPACELOG_FAULT_SEED=${seed})\n`);
  return randomFrom(seed);
}

/** The same sequence for the same seed. */
export function randomFrom(seed: number): SeededRandom {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { seed, next, between: (min, max) => min + Math.floor(next() * (max - min)) };
}
