import { createInterface } from 'node:readline'

/** How many calls a worker makes, and how many at once. */
export interface WorkerCounts {
  readonly warmupCalls: number
  /** Calls per measured window. */
  readonly calls: number
  readonly windows: number
  readonly concurrency: number
}

/**
 * A worker's side of the instructions driver's protocol (see instructions.ts): makes the warm-up calls, prints
 * `warm` and waits for a line on stdin (while the driver dumps callgrind's counters), then for each window makes
 * the calls, prints `measured` and waits again; `close` runs at the end whatever happened. Call `i` counts from 0
 * over the whole run, so inputs continue from window to window.
 *
 * @example
 * await runMeasuredCalls((i) => db.selectFrom('users').selectAll().where('id', '=', i + 1).execute(), job, close)
 */
export async function runMeasuredCalls(
  call: (i: number) => Promise<unknown>,
  counts: WorkerCounts,
  close: () => Promise<void>,
): Promise<void> {
  const answers = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
  let next = 0
  const calls = async (count: number): Promise<void> => {
    const end = next + count
    await Promise.all(
      Array.from({ length: counts.concurrency }, async () => {
        while (next < end) await call(next++)
      }),
    )
  }
  try {
    await calls(counts.warmupCalls)
    process.stdout.write('warm\n')
    await answers.next()
    for (let window = 0; window < counts.windows; window++) {
      await calls(counts.calls)
      process.stdout.write('measured\n')
      await answers.next()
    }
  } finally {
    await close()
  }
}
