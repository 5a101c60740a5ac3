/** Latency samples in milliseconds, summarised. */
export interface Stats {
  samples: number;
  p50: number;
  p90: number;
  mean: number;
  min: number;
  max: number;
}

/** Linear interpolation between the closest ranks. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (sorted.length - 1) * p;
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low] as number;
  return lowValue + ((sorted[high] as number) - lowValue) * (rank - low);
}

export function summarize(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length,
    min: sorted[0] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

export const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

/** A contender answers how long its own run took, in ms. */
export type Contender = () => Promise<number>;

/** Wraps an operation as a contender timed from call to settled promise. */
export function timed(operation: () => Promise<unknown>): Contender {
  return async () => {
    const started = performance.now();
    await operation();
    return performance.now() - started;
  };
}

export interface Plan {
  warmup: number;
  rounds: number;
  /** Stops early once this much time went by (after at least minRounds rounds). */
  budgetMs: number;
  minRounds: number;
}

/**
 * Runs the contenders one after the other, round after round, so machine noise
 * hits all of them alike. The order rotates every round: whoever goes first
 * after a pause does not always pay for it.
 */
export async function interleave<K extends string>(
  contenders: Record<K, Contender>,
  plan: Plan,
): Promise<Record<K, Stats>> {
  const names = Object.keys(contenders) as K[];
  for (let round = 0; round < plan.warmup; round++) {
    for (const name of names) await contenders[name]();
  }
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<
    K,
    number[]
  >;
  const deadline = performance.now() + plan.budgetMs;
  for (let round = 0; round < plan.rounds; round++) {
    if (round >= plan.minRounds && performance.now() > deadline) break;
    for (let turn = 0; turn < names.length; turn++) {
      const name = names[(round + turn) % names.length] as K;
      samples[name].push(await contenders[name]());
    }
  }
  return Object.fromEntries(names.map((name) => [name, summarize(samples[name])])) as Record<
    K,
    Stats
  >;
}

/**
 * Operations per second of each contender with `workers` loops, in short
 * alternating slices (floor, then server, then floor...) so that a change in
 * the machine's load during the run does not favour either.
 */
export async function alternatingRates<K extends string>(
  contenders: Record<K, (worker: number) => Promise<unknown>>,
  workers: number,
  durationMs: number,
  slices: number,
): Promise<Record<K, number>> {
  const names = Object.keys(contenders) as K[];
  const totals = Object.fromEntries(names.map((name) => [name, { done: 0, ms: 0 }])) as Record<
    K,
    { done: number; ms: number }
  >;
  for (let slice = 0; slice < slices; slice++) {
    for (const name of names) {
      const started = performance.now();
      const deadline = started + durationMs / slices;
      await Promise.all(
        Array.from({ length: workers }, async (_, worker) => {
          while (performance.now() < deadline) {
            await contenders[name](worker);
            totals[name].done++;
          }
        }),
      );
      totals[name].ms += performance.now() - started;
    }
  }
  return Object.fromEntries(
    names.map((name) => [name, totals[name].done / (totals[name].ms / 1000)]),
  ) as Record<K, number>;
}

/** Runs `task` over every item with at most `limit` running at once. */
export async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await task(items[next++] as T);
    }),
  );
}
