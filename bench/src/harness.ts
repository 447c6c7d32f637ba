/** One timed round of one client on one workload. */
export interface RoundResult {
  /** Calls that finished (failed ones included). */
  readonly calls: number
  readonly errors: number
  readonly elapsedMs: number
  /** Successful calls per second. */
  readonly opsPerSecond: number
  /**
   * CPU time this process spent per call (user + system, microseconds): the client library's own cost, which
   * the load of other processes on the machine changes far less than throughput. Only one client runs at a time.
   */
  readonly cpuMicrosPerCall: number
  readonly firstError: unknown
}

export interface RoundOptions {
  /** Calls in flight at once. */
  readonly concurrency: number
  /** No call starts after this long (unless `minCalls` have not started yet); the round ends when the calls in flight have finished. */
  readonly durationMs: number
  /** Calls started at the least, so slow workloads get enough calls per round. Defaults to 0. */
  readonly minCalls?: number
}

/**
 * Runs `call(i)` from `concurrency` workers for `durationMs`: each worker starts its next call as soon as its
 * previous one has finished, so exactly `concurrency` calls are in flight until the deadline. `i` counts calls
 * from 0 within the round, so every client gets the same sequence of inputs.
 */
export async function runRound(
  call: (i: number) => Promise<unknown>,
  options: RoundOptions,
): Promise<RoundResult> {
  let next = 0
  let calls = 0
  let errors = 0
  let firstError: unknown
  const minCalls = options.minCalls ?? 0
  const cpuStart = process.cpuUsage()
  const start = performance.now()
  const deadline = start + options.durationMs
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline || next < minCalls) {
      const i = next++
      try {
        await call(i)
      } catch (error) {
        errors++
        firstError ??= error
      }
      calls++
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  const elapsedMs = performance.now() - start
  const cpu = process.cpuUsage(cpuStart)
  return {
    calls,
    errors,
    elapsedMs,
    opsPerSecond: ((calls - errors) * 1000) / elapsedMs,
    cpuMicrosPerCall: calls === 0 ? Number.NaN : (cpu.user + cpu.system) / calls,
    firstError,
  }
}

/** The median of some numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** The `q` quantile (0..1) of some numbers, interpolated between neighbours. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const position = (sorted.length - 1) * q
  const below = Math.floor(position)
  const above = Math.ceil(position)
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (position - below)
}

/** Half the interquartile range over the median: how far a typical run strays from the median. */
export function spread(values: readonly number[]): number {
  if (values.length < 2) return 0
  return (quantile(values, 0.75) - quantile(values, 0.25)) / 2 / median(values)
}

type GarbageCollector = (options?: { type: 'major' | 'minor'; execution: 'sync' }) => void

/**
 * Clears the young generation (where per-call garbage lives) before a round, when node runs with --expose-gc,
 * so a client's round does not pay for the previous client's garbage. A minor collection takes a few ms.
 */
export function collectGarbage(): void {
  ;(globalThis as { gc?: GarbageCollector }).gc?.({ type: 'minor', execution: 'sync' })
}

/** The ratio of a candidate to a baseline over paired rounds, with how sure the figure is. */
export interface PairedRatio {
  /** The median over pairs of candidate ÷ baseline. */
  readonly median: number
  /** A 95% interval for that median: 2.5th and 97.5th percentiles of the medians of 2,000 bootstrap resamples. */
  readonly low: number
  readonly high: number
  readonly pairs: number
}

/**
 * Compares paired rounds: `baseline[i]` and `candidate[i]` ran back to back (ideally in ABBA order, so a steady
 * drift of the machine falls on both alike), so their ratio cancels the load the machine had then. The interval is
 * a percentile bootstrap over the pairs with a fixed seed, so the same rounds always give the same interval.
 *
 * @example
 * const { median, low, high } = pairedRatio(bareOps, repositoryOps)
 * console.log(`${median.toFixed(3)} (95% ${low.toFixed(3)}–${high.toFixed(3)})`)
 */
export function pairedRatio(baseline: readonly number[], candidate: readonly number[]): PairedRatio {
  const ratios = baseline.map((base, index) => candidate[index]! / base)
  let seed = 0x9e3779b9
  const random = (): number => {
    // mulberry32: a small seeded generator; statistical quality is ample for resampling.
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
  const medians = Array.from({ length: 2_000 }, () =>
    median(Array.from({ length: ratios.length }, () => ratios[Math.floor(random() * ratios.length)]!)),
  )
  return {
    median: median(ratios),
    low: quantile(medians, 0.025),
    high: quantile(medians, 0.975),
    pairs: ratios.length,
  }
}

/** A paired ratio as text: `0.987 (95% 0.975–0.996, 40 pairs)`. */
export function formatPairedRatio(ratio: PairedRatio): string {
  return `${ratio.median.toFixed(3)} (95% ${ratio.low.toFixed(3)}–${ratio.high.toFixed(3)}, ${ratio.pairs} pairs)`
}
