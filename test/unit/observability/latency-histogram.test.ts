import { describe, expect, it } from 'vitest'
import { LatencyHistogram, PERCENTILE_RELATIVE_ERROR } from '../../../src/plugin/metrics/latency-histogram.js'

/** The nearest-rank percentile of sorted values: the definition the histogram estimates. */
function exactPercentile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number
}

function expectWithin(actual: number, expected: number): void {
  expect(Math.abs(actual - expected) / expected).toBeLessThanOrEqual(PERCENTILE_RELATIVE_ERROR + 1e-12)
}

describe(LatencyHistogram.name, () => {
  it('reports p50, p95, p99 of 1..1000 ms within 1%, and exact count, sum, min and max', () => {
    const histogram = new LatencyHistogram()
    for (let ms = 1; ms <= 1000; ms++) histogram.record(ms)
    expect(PERCENTILE_RELATIVE_ERROR).toBeLessThan(0.01)
    expectWithin(histogram.percentile(0.5), 500)
    expectWithin(histogram.percentile(0.95), 950)
    expectWithin(histogram.percentile(0.99), 990)
    expect(histogram.percentile(1)).toBe(1000)
    expect(histogram.max).toBe(1000)
    expect(histogram.min).toBe(1)
    expect(histogram.count).toBe(1000)
    expect(histogram.sum).toBe(500_500)
  })

  it('stays within the bound on log-normal latencies from 20 µs to minutes', () => {
    const histogram = new LatencyHistogram()
    const values: number[] = []
    let seed = 42
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed / 2_147_483_648
    }
    for (let index = 0; index < 50_000; index++) {
      // Box-Muller: median 2 ms, wide spread.
      const normal = Math.sqrt(-2 * Math.log(random() || 1e-9)) * Math.cos(2 * Math.PI * random())
      const ms = Math.min(200_000, Math.max(0.02, 2 * Math.exp(2 * normal)))
      values.push(ms)
      histogram.record(ms)
    }
    values.sort((a, b) => a - b)
    for (const q of [0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999]) {
      expectWithin(histogram.percentile(q), exactPercentile(values, q))
    }
    expect(histogram.max).toBe(values[values.length - 1])
  })

  it('answers a single value exactly (clamped to min and max)', () => {
    const histogram = new LatencyHistogram()
    histogram.record(12.345)
    expect(histogram.percentile(0.5)).toBe(12.345)
    expect(histogram.percentile(0.99)).toBe(12.345)
  })

  it('puts sub-microsecond, zero, negative and NaN durations in the first bucket, over an hour in the last', () => {
    const histogram = new LatencyHistogram()
    for (const ms of [0, -5, Number.NaN, 0.0004]) histogram.record(ms)
    expect(histogram.count).toBe(4)
    expect(histogram.percentile(0.5)).toBeLessThanOrEqual(0.001)
    expect(histogram.min).toBe(0)
    histogram.record(7_200_000)
    expect(histogram.percentile(1)).toBe(7_200_000)
  })

  it('merges and resets', () => {
    const a = new LatencyHistogram()
    const b = new LatencyHistogram()
    for (let ms = 1; ms <= 100; ms++) a.record(ms)
    for (let ms = 101; ms <= 200; ms++) b.record(ms)
    a.merge(b)
    expect(a.count).toBe(200)
    expectWithin(a.percentile(0.5), 100)
    expect(a.max).toBe(200)
    a.reset()
    expect([a.count, a.sum, a.max, a.min, a.percentile(0.5)]).toEqual([0, 0, 0, 0, 0])
  })
})
