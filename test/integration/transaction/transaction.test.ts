import { Kysely, MysqlDialect, sql, type Transaction } from 'kysely'
import { createPool } from 'mysql2'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import type { DB } from '../../../example/generated/db.js'
import { seedShop } from '../../../example/seed.js'
import {
  createDatabase,
  type Database,
  DeadlockError,
  InvalidOptionsError,
  LockTimeoutError,
  TransactionAbortedError,
  TransactionRetriesExhaustedError,
  type TransactionRetryEvent,
  TransactionTimeoutError,
  transaction,
  UniqueViolationError,
} from '../../../src/index.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/index.js'
import { EXAMPLE_MIGRATIONS } from '../../helpers/paths.js'
import { withSuitePlugins } from '../../helpers/suite-plugins.js'

let test: TestDatabase<DB>
let db: Kysely<DB>
let ids: number[]
const extra: Database<DB>[] = []

beforeAll(async () => {
  test = await createTestDatabase<DB>({
    serverUrl: inject('serverUrl'),
    migrations: EXAMPLE_MIGRATIONS,
    seed: (seedDb) => seedShop(seedDb, { users: 12, ordersPerUser: 0 }),
    prefix: 'kttx',
    databaseOptions: withSuitePlugins({ pool: { max: 12 } }),
  })
  db = test.db
  ids = (await db.selectFrom('accounts').select('id').orderBy('id').execute()).map((row) => row.id)
})

afterAll(async () => {
  await Promise.all(extra.map((database) => database.close({ timeoutMs: 2_000 })))
  await test?.destroy()
})

/** Another pool on the test database, with a short lock wait timeout on each of its connections. */
async function impatientDatabase(lockWaitTimeoutSeconds = 1): Promise<Kysely<DB>> {
  const database = createDatabase<DB>(withSuitePlugins({ url: test.url, pool: { max: 4 } }))
  extra.push(database)
  // Each connection gets the setting as it is first used: open them all now.
  await Promise.all(
    Array.from({ length: 4 }, () =>
      database.db
        .connection()
        .execute((connection) =>
          sql`set session innodb_lock_wait_timeout = ${sql.lit(lockWaitTimeoutSeconds)}`.execute(connection),
        ),
    ),
  )
  return database.db
}

async function balanceOf(id: number): Promise<string> {
  const row = await db.selectFrom('accounts').select('balance').where('id', '=', id).executeTakeFirstOrThrow()
  return row.balance
}

function add(trx: Kysely<DB>, id: number, amount: string) {
  return trx
    .updateTable('accounts')
    .set((eb) => ({ balance: eb('balance', '+', amount) }))
    .where('id', '=', id)
    .execute()
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`)
    },
    (error: unknown) => error,
  )
}

/**
 * Starts a transaction that updates `heldId` plus every user row (so that it is the heavier side of a deadlock
 * and InnoDB picks the other one as the victim), then, when told, waits for `wantedId`.
 */
async function startHeavyPartner(heldId: number) {
  const partner = await db.startTransaction().execute()
  await add(partner, heldId, '0.00')
  await partner.updateTable('users').set({ last_name: sql`last_name` }).execute()
  await partner.updateTable('users').set({ first_name: sql`concat(first_name, '')` }).execute()
  return partner
}

describe(transaction.name, () => {
  it('commits and returns what the callback returns', async () => {
    const [a] = ids
    const before = Number(await balanceOf(a!))
    const result = await transaction(db, async (trx) => {
      await add(trx, a!, '1.50')
      return 'done'
    })
    expect(result).toBe('done')
    expect(Number(await balanceOf(a!))).toBeCloseTo(before + 1.5, 2)
  })

  it('runs at the isolation level asked for', async () => {
    const [a] = ids
    const readTwice = (isolationLevel: 'read committed' | 'repeatable read') =>
      transaction(
        db,
        async (trx) => {
          const first = await trx
            .selectFrom('accounts')
            .select('balance')
            .where('id', '=', a!)
            .executeTakeFirstOrThrow()
          await add(db, a!, '1.00') // committed by another connection meanwhile
          const second = await trx
            .selectFrom('accounts')
            .select('balance')
            .where('id', '=', a!)
            .executeTakeFirstOrThrow()
          return Number(second.balance) - Number(first.balance)
        },
        { isolationLevel },
      )
    expect(await readTwice('read committed')).toBeCloseTo(1, 2)
    expect(await readTwice('repeatable read')).toBe(0)
  })

  it('refuses writes in read-only mode, without retrying', async () => {
    const [a] = ids
    const before = await balanceOf(a!)
    let runs = 0
    const error = await failure(
      transaction(
        db,
        async (trx) => {
          runs++
          await add(trx, a!, '5.00')
        },
        { accessMode: 'read only' },
      ),
    )
    expect((error as { errno?: number }).errno).toBe(1792)
    expect(runs).toBe(1)
    expect(await balanceOf(a!)).toBe(before)
  })

  it('does not retry a duplicate key: UniqueViolationError after one attempt, earlier writes rolled back', async () => {
    const [a] = ids
    const before = await balanceOf(a!)
    const retries: TransactionRetryEvent[] = []
    let runs = 0
    const error = await failure(
      transaction(
        db,
        async (trx) => {
          runs++
          await add(trx, a!, '7.00')
          await trx
            .insertInto('users')
            .values({ email: 'user1@example.com', first_name: 'A', last_name: 'B' })
            .execute()
        },
        { onRetry: (event) => retries.push(event) },
      ),
    )
    expect(UniqueViolationError.is(error)).toBe(true)
    expect(error).toMatchObject({ index: 'email', columns: ['email'] })
    expect(runs).toBe(1)
    expect(retries).toEqual([])
    expect(await balanceOf(a!)).toBe(before)
  })

  it('retries a real deadlock; afterCommit runs once, for the attempt that committed only', async () => {
    const [a, b] = ids
    const [beforeA, beforeB] = [Number(await balanceOf(a!)), Number(await balanceOf(b!))]
    const partner = await startHeavyPartner(b!)
    const retries: TransactionRetryEvent[] = []
    const committed: number[] = []
    const rolledBack: number[] = []
    let partnerDone: Promise<unknown> = Promise.resolve()
    const result = await transaction(
      db,
      async (trx, { attempt, afterCommit, afterRollback }) => {
        afterCommit(() => {
          committed.push(attempt)
        })
        afterRollback(() => {
          rolledBack.push(attempt)
        })
        await add(trx, a!, '2.00')
        if (attempt === 1) {
          // The partner holds b and now waits for a; taking b closes the cycle.
          partnerDone = add(partner, a!, '0.00').then(() => partner.commit().execute())
          await wait(150)
        }
        await add(trx, b!, '3.00')
        return attempt
      },
      { onRetry: (event) => retries.push(event), backoff: () => 10 },
    )
    await partnerDone
    expect(result).toBe(2)
    expect(retries).toHaveLength(1)
    expect(retries[0]).toMatchObject({ attempt: 1, reason: 'deadlock', delayMs: 10 })
    expect(DeadlockError.is(retries[0]!.error)).toBe(true)
    expect(committed).toEqual([2])
    expect(rolledBack).toEqual([])
    expect(Number(await balanceOf(a!))).toBeCloseTo(beforeA + 2, 2)
    expect(Number(await balanceOf(b!))).toBeCloseTo(beforeB + 3, 2)
  })

  it('refuses every statement after the callback swallowed a deadlock, and retries the whole transaction', async () => {
    const [a, b, c] = ids
    const before = await Promise.all([a!, b!, c!].map(balanceOf))
    const partner = await startHeavyPartner(b!)
    let partnerDone: Promise<unknown> = Promise.resolve()
    const swallowed: unknown[] = []
    const retries: TransactionRetryEvent[] = []
    await transaction(
      db,
      async (trx, { attempt }) => {
        await add(trx, a!, '1.00')
        if (attempt === 1) {
          partnerDone = add(partner, a!, '0.00').then(() => partner.commit().execute())
          await wait(150)
        }
        try {
          await add(trx, b!, '1.00')
        } catch (error) {
          swallowed.push(error) // wrong, but it happens: the server already rolled back the credit of a
        }
        // MariaDB would run this in autocommit mode (the transaction is gone): the pool refuses it instead.
        await add(trx, c!, '1.00')
      },
      { onRetry: (event) => retries.push(event), backoff: () => 10 },
    )
    await partnerDone
    expect(swallowed).toHaveLength(1)
    expect(DeadlockError.is(swallowed[0])).toBe(true)
    expect(retries.map((event) => event.reason)).toEqual(['deadlock'])
    const after = await Promise.all([a!, b!, c!].map(balanceOf))
    after.forEach((balance, index) => {
      expect(Number(balance)).toBeCloseTo(Number(before[index]) + 1, 2)
    })
  })

  it('rolls the whole attempt back on a lock wait timeout before retrying', async () => {
    const impatient = await impatientDatabase(1)
    const [a, b] = ids
    const [beforeA, beforeB] = [Number(await balanceOf(a!)), Number(await balanceOf(b!))]
    const holder = await db.startTransaction().execute()
    await add(holder, a!, '0.00')
    // The holder lets go once the first attempt has timed out (not after a fixed time, which a slow first
    // connection could outlast), so the retry finds the row free.
    let releaseHolder: Promise<unknown> | undefined
    let probe: Promise<unknown> = Promise.resolve()
    const retries: TransactionRetryEvent[] = []
    try {
      await transaction(
        impatient,
        async (trx) => {
          await add(trx, b!, '4.00')
          await add(trx, a!, '4.00') // waits 1 s for the holder, then 1205
        },
        {
          backoff: () => 400,
          onRetry: (event) => {
            retries.push(event)
            // While the retry waits, b must be free again: the attempt was rolled back, not just its statement.
            probe = db
              .transaction()
              .execute((other) =>
                other.selectFrom('accounts').select('id').where('id', '=', b!).forUpdate().noWait().execute(),
              )
            releaseHolder ??= probe.finally(() => holder.commit().execute())
          },
        },
      )
    } finally {
      await (releaseHolder ?? holder.rollback().execute())
    }
    await expect(probe).resolves.toEqual([{ id: b }])
    expect(retries).toHaveLength(1)
    expect(retries[0]).toMatchObject({ attempt: 1, reason: 'lock-timeout' })
    expect(LockTimeoutError.is(retries[0]!.error)).toBe(true)
    expect(Number(await balanceOf(a!))).toBeCloseTo(beforeA + 4, 2)
    expect(Number(await balanceOf(b!))).toBeCloseTo(beforeB + 4, 2)
  })

  it('gives up after maxAttempts with TransactionRetriesExhaustedError; afterRollback runs for the last attempt', async () => {
    const impatient = await impatientDatabase(1)
    const [a, b] = ids
    const beforeB = await balanceOf(b!)
    const holder = await db.startTransaction().execute()
    await add(holder, a!, '0.00')
    const rolledBack: number[] = []
    const committed: number[] = []
    try {
      const error = await failure(
        transaction(
          impatient,
          async (trx, { attempt, afterCommit, afterRollback }) => {
            afterCommit(() => {
              committed.push(attempt)
            })
            afterRollback(() => {
              rolledBack.push(attempt)
            })
            await add(trx, b!, '9.00')
            await add(trx, a!, '9.00')
          },
          { maxAttempts: 2, backoff: () => 10 },
        ),
      )
      expect(TransactionRetriesExhaustedError.is(error)).toBe(true)
      const exhausted = error as TransactionRetriesExhaustedError
      expect(exhausted.attempts).toBe(2)
      expect(exhausted.reason).toBe('lock-timeout')
      expect(LockTimeoutError.is(exhausted.cause)).toBe(true)
      expect(exhausted.message).toMatch(
        /^Transaction gave up after 2 attempts: the last failed with a lock wait timeout/,
      )
    } finally {
      await holder.rollback().execute()
    }
    expect(rolledBack).toEqual([2])
    expect(committed).toEqual([])
    expect(await balanceOf(b!)).toBe(beforeB)
  })

  describe('nested (savepoints)', () => {
    it('rolls back only the savepoint when the inner callback fails; the outer goes on and commits', async () => {
      const [a, b, c] = ids
      const before = await Promise.all([a!, b!, c!].map(balanceOf))
      const seen: unknown[] = []
      await transaction(db, async (trx, outer) => {
        expect(outer.depth).toBe(0)
        await add(trx, a!, '1.00')
        try {
          await transaction(trx, async (inner, context) => {
            expect(context.depth).toBe(1)
            await add(inner, b!, '1.00')
            throw new Error('inner business rule failed')
          })
        } catch (error) {
          seen.push(error)
        }
        await add(trx, c!, '1.00')
      })
      expect((seen[0] as Error).message).toBe('inner business rule failed')
      const after = await Promise.all([a!, b!, c!].map(balanceOf))
      expect(Number(after[0])).toBeCloseTo(Number(before[0]) + 1, 2)
      expect(after[1]).toBe(before[1])
      expect(Number(after[2])).toBeCloseTo(Number(before[2]) + 1, 2)
    })

    it('keeps a UniqueViolationError inside the savepoint and lets the outer commit', async () => {
      const [a] = ids
      const before = Number(await balanceOf(a!))
      const outcome = await transaction(db, async (trx) => {
        await add(trx, a!, '2.00')
        return transaction(trx, async (inner) => {
          await inner
            .insertInto('users')
            .values({ email: 'user2@example.com', first_name: 'X', last_name: 'Y' })
            .execute()
          return 'created'
        }).catch((error: unknown) =>
          UniqueViolationError.is(error) ? 'already there' : Promise.reject(error),
        )
      })
      expect(outcome).toBe('already there')
      expect(Number(await balanceOf(a!))).toBeCloseTo(before + 2, 2)
    })

    it('runs hooks once the outermost transaction ends: committed savepoints with it, rolled-back ones as rolled back', async () => {
      const [a, b] = ids
      const events: string[] = []
      await transaction(db, async (trx, outer) => {
        outer.afterCommit(() => {
          events.push('outer committed')
        })
        await transaction(trx, async (inner, context) => {
          context.afterCommit(() => {
            events.push('kept savepoint committed')
          })
          context.afterRollback(() => {
            events.push('kept savepoint rolled back')
          })
          await add(inner, a!, '0.50')
          // Two levels deep.
          await transaction(inner, async (deeper, deepest) => {
            expect(deepest.depth).toBe(2)
            deepest.afterCommit(() => {
              events.push('deepest committed')
            })
            await add(deeper, b!, '0.50')
          })
        })
        await transaction(trx, async (_inner, context) => {
          context.afterCommit(() => {
            events.push('dropped savepoint committed')
          })
          context.afterRollback(() => {
            events.push('dropped savepoint rolled back')
          })
          throw new Error('dropped')
        }).catch(() => {})
        expect(events).toEqual([]) // nothing runs before the outermost commit
      })
      expect(events).toEqual([
        'outer committed',
        'kept savepoint committed',
        'deepest committed',
        'dropped savepoint rolled back',
      ])
    })

    it('rolls back committed savepoints with the outer transaction, running their afterRollback hooks', async () => {
      const [a] = ids
      const before = await balanceOf(a!)
      const events: string[] = []
      const error = await failure(
        transaction(db, async (trx, outer) => {
          outer.afterRollback(() => {
            events.push('outer rolled back')
          })
          await transaction(trx, async (inner, context) => {
            context.afterCommit(() => {
              events.push('inner committed')
            })
            context.afterRollback(() => {
              events.push('inner rolled back')
            })
            await add(inner, a!, '100.00')
          })
          throw new Error('outer failed after the savepoint was released')
        }),
      )
      expect((error as Error).message).toBe('outer failed after the savepoint was released')
      expect(events).toEqual(['outer rolled back', 'inner rolled back'])
      expect(await balanceOf(a!)).toBe(before)
    })

    it('never retries a savepoint by itself: a deadlock inside one fails the outermost attempt, which is retried', async () => {
      const [a, b, c] = ids
      const before = await Promise.all([a!, b!, c!].map(balanceOf))
      const partner = await startHeavyPartner(b!)
      let partnerDone: Promise<unknown> = Promise.resolve()
      const innerRuns: number[] = []
      const retries: TransactionRetryEvent[] = []
      await transaction(
        db,
        async (trx, { attempt }) => {
          await add(trx, a!, '1.00')
          try {
            await transaction(trx, async (inner) => {
              innerRuns.push(attempt)
              if (attempt === 1) {
                partnerDone = add(partner, a!, '0.00').then(() => partner.commit().execute())
                await wait(150)
              }
              await add(inner, b!, '1.00')
            })
          } catch {
            // Caught on purpose: the outer attempt must fail anyway, the whole transaction is gone.
          }
          await add(trx, c!, '1.00')
        },
        { onRetry: (event) => retries.push(event), backoff: () => 10 },
      )
      await partnerDone
      expect(innerRuns).toEqual([1, 2])
      expect(retries.map((event) => event.reason)).toEqual(['deadlock'])
      const after = await Promise.all([a!, b!, c!].map(balanceOf))
      after.forEach((balance, index) => {
        expect(Number(balance)).toBeCloseTo(Number(before[index]) + 1, 2)
      })
    })

    it('on a plain mysql2 pool too, a deadlock caught around a savepoint still fails the attempt', async () => {
      // No toolkit pool here to refuse statements after the deadlock: transaction() itself must not commit.
      const plain = new Kysely<DB>({
        dialect: new MysqlDialect({ pool: createPool({ uri: test.url, connectionLimit: 4 }) }),
      })
      try {
        const [a, b] = ids
        const before = await Promise.all([a!, b!].map(balanceOf))
        const partner = await startHeavyPartner(b!)
        let partnerDone: Promise<unknown> = Promise.resolve()
        const caught: unknown[] = []
        const attempts = await transaction(
          plain,
          async (trx, { attempt }) => {
            await add(trx, a!, '1.00')
            await transaction(trx, async (inner) => {
              if (attempt === 1) {
                partnerDone = add(partner, a!, '0.00').then(() => partner.commit().execute())
                await wait(150)
              }
              await add(inner, b!, '1.00')
            }).catch((error: unknown) => caught.push(error))
            return attempt
          },
          { backoff: () => 10 },
        )
        await partnerDone
        expect(attempts).toBe(2)
        expect((caught[0] as { errno?: number }).errno).toBe(1213)
        const after = await Promise.all([a!, b!].map(balanceOf))
        after.forEach((balance, index) => {
          expect(Number(balance)).toBeCloseTo(Number(before[index]) + 1, 2)
        })
      } finally {
        await plain.destroy()
      }
    })

    it('refuses options and overlapping savepoints on one transaction', async () => {
      await transaction(db, async (trx) => {
        const refused = await failure(
          transaction(trx, async () => {}, { maxAttempts: 3, isolationLevel: 'serializable' }),
        )
        expect(InvalidOptionsError.is(refused)).toBe(true)
        expect((refused as InvalidOptionsError).problems.map((problem) => problem.path)).toEqual([
          'maxAttempts',
          'isolationLevel',
        ])
        const first = transaction(trx, () => wait(50))
        const overlapping = await failure(transaction(trx, async () => {}))
        expect((overlapping as Error).message).toMatch(/already running on this transaction/)
        await first
      })
    })

    it('uses a savepoint inside a transaction started by Kysely itself, where hooks are refused', async () => {
      const [a, b] = ids
      const before = await Promise.all([a!, b!].map(balanceOf))
      await db.transaction().execute(async (trx: Transaction<DB>) => {
        await add(trx, a!, '1.00')
        await transaction(trx, async (inner, context) => {
          expect(() => context.afterCommit(() => {})).toThrow(/started by transaction\(\)/)
          await add(inner, b!, '1.00')
          throw new Error('undo b')
        }).catch(() => {})
      })
      const after = await Promise.all([a!, b!].map(balanceOf))
      expect(Number(after[0])).toBeCloseTo(Number(before[0]) + 1, 2)
      expect(after[1]).toBe(before[1])
    })
  })

  describe('timeout and abort', () => {
    it('cancels the running statement and rolls back past timeoutMs; its locks are free and the pool recovers', async () => {
      const [a] = ids
      const before = await balanceOf(a!)
      const rolledBack: number[] = []
      const started = performance.now()
      const error = await failure(
        transaction(
          db,
          async (trx, { afterRollback }) => {
            afterRollback(() => {
              rolledBack.push(1)
            })
            await add(trx, a!, '50.00')
            await sql`select sleep(5)`.execute(trx)
            await add(trx, a!, '50.00')
          },
          { timeoutMs: 300 },
        ),
      )
      const elapsed = performance.now() - started
      expect(TransactionTimeoutError.is(error)).toBe(true)
      expect(error).toMatchObject({ timeoutMs: 300, attempts: 1 })
      expect((error as Error).message).toBe(
        'Transaction timed out after 300 ms (1 attempt started): it was rolled back and nothing was written',
      )
      expect(elapsed).toBeGreaterThanOrEqual(295)
      expect(elapsed).toBeLessThan(1_500)
      expect(rolledBack).toEqual([1])
      expect(await balanceOf(a!)).toBe(before)
      // The row lock went with the rollback: another transaction takes it without waiting.
      await expect(
        db
          .transaction()
          .execute((trx) =>
            trx.selectFrom('accounts').select('id').where('id', '=', a!).forUpdate().noWait().execute(),
          ),
      ).resolves.toHaveLength(1)
      await expect(transaction(db, async (trx) => add(trx, a!, '0.00'))).resolves.toBeDefined()
      expect(test.database.poolStats().inUse).toBe(0)
    })

    it('writes nothing that the callback sends, or had queued, after the timeout (on every server)', async () => {
      const [a] = ids
      const before = await balanceOf(a!)
      let queuedOutcome: unknown
      let laterOutcome: unknown
      const error = await failure(
        transaction(
          db,
          async (trx) => {
            await add(trx, a!, '50.00')
            // The second statement waits behind the first on the transaction's connection when the time runs out;
            // whatever ends the first (an error on MariaDB, a result on MySQL), neither it nor a later one may write.
            await Promise.all([
              sql`select sleep(5)`.execute(trx).catch(() => undefined),
              add(trx, a!, '50.00').then(
                () => 'written',
                (error: unknown) => error,
              ),
            ]).then(([, queued]) => {
              queuedOutcome = queued
            })
            laterOutcome = await add(trx, a!, '50.00').then(
              () => 'written',
              (error: unknown) => error,
            )
          },
          { timeoutMs: 300 },
        ),
      )
      expect(TransactionTimeoutError.is(error)).toBe(true)
      await vi.waitFor(() => expect(laterOutcome).toBeDefined(), { timeout: 6_000 })
      expect(queuedOutcome).not.toBe('written')
      expect(laterOutcome).not.toBe('written')
      expect(await balanceOf(a!)).toBe(before)
      expect(test.database.poolStats().inUse).toBe(0)
    })

    it('rolls back when the signal aborts while the callback awaits other work, and passes the signal on', async () => {
      const [a] = ids
      const before = await balanceOf(a!)
      const controller = new AbortController()
      let innerSignal: AbortSignal | undefined
      setTimeout(() => controller.abort(new Error('client went away')), 200)
      const error = await failure(
        transaction(
          db,
          async (trx, { signal }) => {
            innerSignal = signal
            await add(trx, a!, '25.00')
            await wait(2_000)
            await add(trx, a!, '25.00')
          },
          { signal: controller.signal },
        ),
      )
      expect(TransactionAbortedError.is(error)).toBe(true)
      expect((error as TransactionAbortedError).cause).toEqual(new Error('client went away'))
      expect(innerSignal?.aborted).toBe(true)
      expect(await balanceOf(a!)).toBe(before)
      // The callback goes on after the abort, but its late query cannot write anything.
      await wait(2_100)
      expect(await balanceOf(a!)).toBe(before)
      expect(test.database.poolStats().inUse).toBe(0)
    })

    it('gives the callback an aborted signal however late it first reads it, and none without a deadline', async () => {
      let late: AbortSignal | undefined
      let latePromise: Promise<void> = Promise.resolve()
      const error = await failure(
        transaction(
          db,
          async (_trx, context) => {
            latePromise = wait(250).then(() => {
              late = context.signal // first read after the timeout fired
            })
            await latePromise
          },
          { timeoutMs: 100 },
        ),
      )
      await latePromise
      expect(TransactionTimeoutError.is(error)).toBe(true)
      expect(late?.aborted).toBe(true)
      expect((late!.reason as DOMException).name).toBe('TimeoutError')
      await transaction(db, async (_trx, context) => {
        expect(context.signal).toBeUndefined()
      })
    })

    it('runs nothing for a signal aborted beforehand', async () => {
      let runs = 0
      const error = await failure(
        transaction(
          db,
          async () => {
            runs++
          },
          { signal: AbortSignal.abort(new Error('too late')) },
        ),
      )
      expect(TransactionAbortedError.is(error)).toBe(true)
      expect(runs).toBe(0)
    })
  })
})
