/** One benchmark case's result, printed as a single JSON line (the format bench/RESULTS.md collects). */
export interface BenchResult {
  readonly bench: string;
  readonly case: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline?: { readonly name: string; readonly value: number };
  readonly ratio?: number;
  readonly p50_ms?: number;
  readonly p99_ms?: number;
  readonly [extra: string]: unknown;
}

/** Prints one result as one JSON line on stdout; the ratio is computed from the baseline when missing. */
export function emit(result: BenchResult): void {
  const ratio =
    result.ratio ??
    (result.baseline && result.baseline.value > 0 ? result.value / result.baseline.value : undefined);
  const rounded = ratio === undefined ? undefined : Math.round(ratio * 1000) / 1000;
  process.stdout.write(
    `${JSON.stringify({ ...result, ...(rounded === undefined ? {} : { ratio: rounded }) })}\n`,
  );
}

/** Progress for long benchmarks goes to stderr so stdout stays pure JSON lines. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** The p-th percentile (0..100) of a list of latencies in milliseconds. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round((sorted[index] ?? 0) * 1000) / 1000;
}

/** The middle value (the upper one of the two middles for an even count); 0 for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
