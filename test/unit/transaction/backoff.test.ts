import { describe, expect, it } from 'vitest'
import {
  createTransactionCounters,
  DeadlockError,
  fullJitterBackoff,
  InvalidOptionsError,
  LockTimeoutError,
  resolveTransactionOptions,
  retryReasonOf,
  TransactionRetriesExhaustedError,
  UniqueViolationError,
} from '../../../src/index.js'
import { seededRandom } from '../../helpers/seeded-random.js'

describe(fullJitterBackoff.name, () => {
  it('waits between 0 and the doubling ceiling, with the defaults 20 ms and 1 s', () => {
    const lowest = fullJitterBackoff({ random: () => 0 })
    const highest = fullJitterBackoff({ random: () => 0.999_999 })
    const ceilings = [20, 40, 80, 160, 320, 640, 1_000, 1_000, 1_000]
    ceilings.forEach((ceiling, index) => {
      expect(lowest(index + 1)).toBe(0)
      expect(highest(index + 1)).toBeLessThan(ceiling)
      expect(highest(index + 1)).toBeGreaterThan(ceiling * 0.999)
    })
    expect(fullJitterBackoff({ random: () => 0.5 })(3)).toBe(40)
  })

  it('never exceeds the cap, however many retries', () => {
    const backoff = fullJitterBackoff({ baseDelayMs: 50, maxDelayMs: 300, random: () => 0.999_999 })
    for (const retry of [1, 3, 10, 64, 2_000, Number.MAX_SAFE_INTEGER]) {
      expect(backoff(retry)).toBeLessThanOrEqual(300)
      expect(Number.isFinite(backoff(retry))).toBe(true)
    }
  })

  it('spreads the delays uniformly over the whole window (full jitter)', () => {
    const backoff = fullJitterBackoff({ random: seededRandom(42) })
    for (const [retry, ceiling] of [
      [1, 20],
      [4, 160],
      [9, 1_000],
    ] as const) {
      const samples = Array.from({ length: 20_000 }, () => backoff(retry))
      const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length
      expect(Math.min(...samples)).toBeGreaterThanOrEqual(0)
      expect(Math.max(...samples)).toBeLessThan(ceiling)
      expect(Math.min(...samples)).toBeLessThan(ceiling * 0.01)
      expect(Math.max(...samples)).toBeGreaterThan(ceiling * 0.99)
      expect(mean / ceiling).toBeGreaterThan(0.48)
      expect(mean / ceiling).toBeLessThan(0.52)
      // Each tenth of the window gets about a tenth of the samples.
      const buckets = new Array<number>(10).fill(0)
      for (const value of samples) buckets[Math.floor((value / ceiling) * 10)]!++
      for (const count of buckets) expect(Math.abs(count - 2_000)).toBeLessThan(250)
    }
  })

  it('refuses invalid options with a clear message', () => {
    expect(() => fullJitterBackoff({ baseDelayMs: -1 })).toThrow(
      'baseDelayMs must be a finite number, zero or more (got -1)',
    )
    expect(() => fullJitterBackoff({ baseDelayMs: 100, maxDelayMs: 10 })).toThrow(
      'maxDelayMs must be at least baseDelayMs',
    )
  })
})

describe(resolveTransactionOptions.name, () => {
  it('fills in the defaults and freezes them', () => {
    const resolved = resolveTransactionOptions()
    expect(resolved).toMatchObject({ maxAttempts: 5, timeoutMs: undefined, isolationLevel: undefined })
    expect(typeof resolved.backoff).toBe('function')
    expect(Object.isFrozen(resolved)).toBe(true)
  })

  it('parses a given options object once', () => {
    const options = { maxAttempts: 3, isolationLevel: 'serializable' } as const
    expect(resolveTransactionOptions(options)).toBe(resolveTransactionOptions(options))
  })

  it('lists every invalid field', () => {
    let caught: unknown
    try {
      resolveTransactionOptions({
        maxAttempts: 0,
        isolationLevel: 'snapshot' as never,
        timeoutMs: -5,
        retries: 3,
      } as never)
    } catch (error) {
      caught = error
    }
    expect(InvalidOptionsError.is(caught)).toBe(true)
    const messages = (caught as InvalidOptionsError).problems.map((problem) => problem.message)
    expect(messages).toEqual(
      expect.arrayContaining([
        'maxAttempts must be a positive integer (got 0)',
        "isolationLevel must be one of 'read uncommitted', 'read committed', 'repeatable read', 'serializable' (got \"snapshot\")",
        'timeoutMs must be a positive integer (got -5)',
        'retries is not a known option',
      ]),
    )
  })
})

describe(retryReasonOf.name, () => {
  it('retries deadlocks, lock timeouts, serialization failures and lost connections only', () => {
    const driver = (errno: number) =>
      Object.assign(new Error('x'), { errno, code: 'X', sqlState: 'HY000', sqlMessage: 'x' })
    expect(retryReasonOf(new DeadlockError())).toBe('deadlock')
    expect(retryReasonOf(driver(1213))).toBe('deadlock')
    expect(retryReasonOf(new LockTimeoutError())).toBe('lock-timeout')
    expect(retryReasonOf(driver(1020))).toBe('serialization')
    expect(
      retryReasonOf(Object.assign(new Error('lost'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true })),
    ).toBe('connection-lost')
    expect(
      retryReasonOf(
        new UniqueViolationError({ table: 'users', index: 'email', columns: ['email'], value: 'a' }),
      ),
    ).toBeUndefined()
    expect(retryReasonOf(driver(1062))).toBeUndefined()
    expect(retryReasonOf(new Error('insufficient funds'))).toBeUndefined()
  })
})

describe(createTransactionCounters.name, () => {
  it('counts retries by reason and settled transactions by outcome', () => {
    const counters = createTransactionCounters()
    counters.hooks.onRetry({ attempt: 1, reason: 'deadlock', delayMs: 3, error: undefined })
    counters.hooks.onRetry({ attempt: 2, reason: 'deadlock', delayMs: 7, error: undefined })
    counters.hooks.onRetry({ attempt: 1, reason: 'lock-timeout', delayMs: 1, error: undefined })
    counters.hooks.onSettled({ outcome: 'committed', attempts: 3, durationMs: 12, error: undefined })
    counters.hooks.onSettled({
      outcome: 'rolled-back',
      attempts: 5,
      durationMs: 40,
      error: new TransactionRetriesExhaustedError(5, 'deadlock', new DeadlockError()),
    })
    const snapshot = counters.snapshot()
    expect(snapshot).toEqual({
      settled: { committed: 1, 'rolled-back': 1, 'commit-unknown': 0 },
      retries: { deadlock: 2, 'lock-timeout': 1, serialization: 0, 'connection-lost': 0 },
      exhausted: 1,
    })
    expect(Object.isFrozen(snapshot.retries)).toBe(true)
  })
})
