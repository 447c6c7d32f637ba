import { z } from 'zod'
import { parseOptions } from '../util/parse-options.js'

/**
 * Options of {@link fullJitterBackoff}.
 *
 * @example
 * ```ts
 * const slow: FullJitterBackoffOptions = { baseDelayMs: 100, maxDelayMs: 5_000 }
 * ```
 */
export interface FullJitterBackoffOptions {
  /** The ceiling of the first wait, doubled for each further retry. Defaults to `20` ms. */
  readonly baseDelayMs?: number
  /** The largest ceiling. Defaults to `1000` ms. */
  readonly maxDelayMs?: number
  /** A source of numbers in [0, 1), for tests. Defaults to `Math.random`. */
  readonly random?: () => number
}

/**
 * How long to wait before retry number `retry` (1 before the second attempt), in milliseconds.
 *
 * @example
 * ```ts
 * const constant: Backoff = () => 50
 * await transaction(db, work, { backoff: constant })
 * ```
 */
export type Backoff = (retry: number) => number

const NON_NEGATIVE = 'must be a finite number, zero or more'
const BackoffOptionsSchema = z
  .strictObject({
    baseDelayMs: z
      .number({ error: NON_NEGATIVE })
      .finite({ error: NON_NEGATIVE })
      .nonnegative({ error: NON_NEGATIVE })
      .default(20),
    maxDelayMs: z
      .number({ error: NON_NEGATIVE })
      .finite({ error: NON_NEGATIVE })
      .nonnegative({ error: NON_NEGATIVE })
      .default(1_000),
    random: z
      .custom<() => number>((value) => typeof value === 'function', {
        error: 'must be a function returning [0, 1)',
      })
      .default(() => Math.random),
  })
  .refine((options) => options.maxDelayMs >= options.baseDelayMs, {
    path: ['maxDelayMs'],
    error: 'must be at least baseDelayMs',
  })

/**
 * Capped exponential backoff with full jitter (the AWS Architecture Blog's "full jitter"): before retry `n` wait a
 * uniformly random time in `[0, min(maxDelayMs, baseDelayMs * 2^(n-1)))`. Spreading retries over the whole
 * window keeps transactions that just deadlocked with each other from colliding again.
 *
 * @example
 * ```ts
 * import { fullJitterBackoff, transaction } from 'kysely-toolkit'
 *
 * await transaction(db, work, { backoff: fullJitterBackoff({ baseDelayMs: 50, maxDelayMs: 2_000 }) })
 * fullJitterBackoff({ random: () => 0.5 })(3) // 40: half of min(1000, 20 * 2^2)
 * ```
 */
export function fullJitterBackoff(options: FullJitterBackoffOptions = {}): Backoff {
  const { baseDelayMs, maxDelayMs, random } = parseOptions(BackoffOptionsSchema, options, 'backoff options')
  return (retry: number): number => {
    const exponent = Math.max(0, Math.floor(retry) - 1)
    // 2^exponent overflows to Infinity for huge retries, and min() caps it.
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** exponent)
    return ceiling * Math.min(Math.max(random(), 0), 1)
  }
}
