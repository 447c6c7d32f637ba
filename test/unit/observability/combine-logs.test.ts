import type { LogEvent } from 'kysely'
import { describe, expect, it } from 'vitest'
import { combineLogs } from '../../../src/index.js'
import { createDummyDb, queryEvent } from './dummy-database.js'

const event = queryEvent(createDummyDb().selectFrom('users').selectAll().compile(), 1)

describe(combineLogs.name, () => {
  it('calls every function in order, skipping undefined, and stays synchronous when they are', () => {
    const calls: string[] = []
    const log = combineLogs(
      () => {
        calls.push('a')
      },
      undefined,
      (e: LogEvent) => {
        calls.push(`b:${e.level}`)
      },
    )
    expect(log(event)).toBeUndefined()
    expect(calls).toEqual(['a', 'b:query'])
  })

  it('returns the only function as it is', () => {
    const only = (_: LogEvent) => {}
    expect(combineLogs(undefined, only)).toBe(only)
  })

  it('waits for asynchronous functions and runs all before rethrowing the first error', async () => {
    const calls: string[] = []
    const log = combineLogs(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 5))
        calls.push('slow')
      },
      () => {
        throw new Error('first')
      },
      () => {
        calls.push('after')
      },
    )
    await expect(log(event)).rejects.toThrow('first')
    expect(calls).toEqual(['after', 'slow'])
    const rejecting = combineLogs(
      async () => Promise.reject(new Error('async')),
      () => {},
    )
    await expect(rejecting(event)).rejects.toThrow('async')
  })

  it('refuses something that is not a function', () => {
    expect(() => combineLogs(['query'] as never)).toThrow(
      'combineLogs: argument 1 must be a log function (got object)',
    )
  })
})
