/** Durations below this (1 µs) share the first bucket. */
const MIN_MS = 0.001
/** Durations from this (1 hour) on share the last bucket. */
const MAX_MS = 3_600_000
/** Each bucket's upper edge is 2% above its lower edge. */
const RATIO = 1.02
const LOG_RATIO = Math.log(RATIO)
const LOG_MIN = Math.log(MIN_MS)
const RANGE_BUCKETS = Math.ceil(Math.log(MAX_MS / MIN_MS) / LOG_RATIO)
/** Bucket 0: below 1 µs; buckets 1..RANGE_BUCKETS: log-scale; the last: 1 hour or more. */
const BUCKETS = RANGE_BUCKETS + 2

/**
 * The relative error bound of {@link LatencyHistogram.percentile} for durations from 1 µs to 1 hour:
 * the estimate is within a factor `sqrt(1.02)` of the true value, i.e. within 1%.
 *
 * @internal
 */
export const PERCENTILE_RELATIVE_ERROR = Math.sqrt(RATIO) - 1

/**
 * A latency histogram in fixed log-scale buckets (2% wide, from 1 µs to 1 hour: 1,109 counters, 8.9 KB),
 * so memory stays the same however many durations it records. Percentiles use the nearest-rank definition and
 * are reported as the geometric middle of the bucket holding that rank, clamped to the exact minimum and
 * maximum seen: within 1% of the true value for durations from 1 µs to 1 hour (below 1 µs, within 1 µs;
 * at or above 1 hour, the exact maximum is reported). Count, sum, minimum and maximum are exact.
 *
 * @internal
 */
export class LatencyHistogram {
  readonly #counts = new Float64Array(BUCKETS)
  #count = 0
  #sum = 0
  #min = Number.POSITIVE_INFINITY
  #max = 0

  /** Records one duration in milliseconds (negative and NaN count as 0). */
  record(ms: number): void {
    let index: number
    if (!(ms >= MIN_MS)) {
      index = 0
      if (!(ms >= 0)) ms = 0
    } else if (ms >= MAX_MS) {
      index = BUCKETS - 1
    } else {
      index = 1 + Math.floor((Math.log(ms) - LOG_MIN) / LOG_RATIO)
      // Guard the float edge where log rounding lands one bucket too far.
      if (index > RANGE_BUCKETS) index = RANGE_BUCKETS
    }
    this.#counts[index] = (this.#counts[index] as number) + 1
    this.#count++
    this.#sum += ms
    if (ms < this.#min) this.#min = ms
    if (ms > this.#max) this.#max = ms
  }

  get count(): number {
    return this.#count
  }

  get sum(): number {
    return this.#sum
  }

  /** The smallest duration recorded, or 0 when none was. */
  get min(): number {
    return this.#count === 0 ? 0 : this.#min
  }

  /** The largest duration recorded, or 0 when none was. */
  get max(): number {
    return this.#max
  }

  /** The duration at quantile `q` (0 to 1), nearest rank; exact at 0 and 1; 0 when nothing was recorded. */
  percentile(q: number): number {
    if (this.#count === 0) return 0
    if (q >= 1) return this.#max
    if (q <= 0) return this.#min
    const rank = Math.max(1, Math.ceil(q * this.#count))
    let seen = 0
    for (let index = 0; index < BUCKETS; index++) {
      seen += this.#counts[index] as number
      if (seen >= rank) return this.#estimate(index)
    }
    return this.#max
  }

  /** Adds another histogram's counts to this one. */
  merge(other: LatencyHistogram): void {
    if (other.#count === 0) return
    for (let index = 0; index < BUCKETS; index++) {
      this.#counts[index] = (this.#counts[index] as number) + (other.#counts[index] as number)
    }
    this.#count += other.#count
    this.#sum += other.#sum
    if (other.#min < this.#min) this.#min = other.#min
    if (other.#max > this.#max) this.#max = other.#max
  }

  reset(): void {
    this.#counts.fill(0)
    this.#count = 0
    this.#sum = 0
    this.#min = Number.POSITIVE_INFINITY
    this.#max = 0
  }

  #estimate(index: number): number {
    let value: number
    if (index === 0) value = MIN_MS / 2
    else if (index === BUCKETS - 1) return this.#max
    else value = MIN_MS * RATIO ** (index - 0.5)
    return Math.min(this.#max, Math.max(this.#min, value))
  }
}
