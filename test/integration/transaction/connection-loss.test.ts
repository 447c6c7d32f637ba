import { Kysely, MysqlDialect, type MysqlPool, type MysqlPoolConnection, sql } from 'kysely'
import { createPool, type PoolConnection } from 'mysql2'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { accountStore, ledgerStore } from '../../../docs/examples/transfer-funds.js'
import type { DB } from '../../../example/generated/db.js'
import { seedShop } from '../../../example/seed.js'
import {
  CommitOutcomeUnknownError,
  TransactionRetriesExhaustedError,
  type TransactionRetryEvent,
  type TransactionSettledEvent,
  transaction,
} from '../../../src/index.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/index.js'
import { EXAMPLE_MIGRATIONS } from '../../helpers/paths.js'
import { withSuitePlugins } from '../../helpers/suite-plugins.js'

let test: TestDatabase<DB>
let ids: number[]

beforeAll(async () => {
  test = await createTestDatabase<DB>({
    serverUrl: inject('serverUrl'),
    migrations: EXAMPLE_MIGRATIONS,
    seed: (db) => seedShop(db, { users: 4, ordersPerUser: 0, openingBalance: '100.00' }),
    prefix: 'ktkill',
    databaseOptions: withSuitePlugins({ pool: { max: 6 } }),
  })
  ids = (await test.db.selectFrom('accounts').select('id').orderBy('id').execute()).map((row) => row.id)
})

afterAll(() => test?.destroy())

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function snapshot(db: Kysely<DB> = test.db) {
  const accounts = await db.selectFrom('accounts').select(['id', 'balance']).orderBy('id').execute()
  const ledger = await db
    .selectFrom('account_transactions')
    .select(['from_account_id', 'to_account_id', 'amount'])
    .execute()
  return { balances: accounts.map((account) => account.balance), ledger }
}

async function connectionId(trx: Kysely<DB>): Promise<number> {
  const result = await sql<{ id: string | number }>`select connection_id() as id`.execute(trx)
  return Number(result.rows[0]!.id)
}

/** Kills a server thread from a connection of its own (not from the pool under test). */
async function killFromOutside(threadId: number): Promise<void> {
  const admin = createPool({ uri: test.url, connectionLimit: 1 }).promise()
  try {
    await admin.query(`KILL ${threadId}`)
  } finally {
    await admin.end()
  }
}

describe('a connection killed in the middle of a transaction', () => {
  it('is retried on a new connection when killed between statements: applied exactly once', async () => {
    const [a, b] = ids
    const before = await snapshot()
    const retries: TransactionRetryEvent[] = []
    const killed: number[] = []
    const result = await transaction(
      test.db,
      async (trx, { attempt }) => {
        const accounts = accountStore(trx)
        await accounts.debit(a!, '5.00')
        if (attempt === 1) {
          const id = await connectionId(trx)
          killed.push(id)
          await killFromOutside(id)
          await wait(100)
        }
        await accounts.credit(b!, '5.00')
        await ledgerStore(trx).recordTransfer(a!, b!, '5.00')
        return { attempt, connection: await connectionId(trx) }
      },
      { onRetry: (event) => retries.push(event), backoff: () => 5 },
    )
    expect(result.attempt).toBe(2)
    expect(result.connection).not.toBe(killed[0])
    expect(retries.map((event) => event.reason)).toEqual(['connection-lost'])
    const after = await snapshot()
    expect(Number(after.balances[0])).toBeCloseTo(Number(before.balances[0]) - 5, 2)
    expect(Number(after.balances[1])).toBeCloseTo(Number(before.balances[1]) + 5, 2)
    expect(after.ledger.length).toBe(before.ledger.length + 1)
    // The pool dropped the dead connection and works on.
    await expect(transaction(test.db, async (trx) => connectionId(trx))).resolves.toBeGreaterThan(0)
    expect(test.database.poolStats().inUse).toBe(0)
  })

  it('is retried when killed after the last statement, before COMMIT: the pool saw COMMIT refused unsent', async () => {
    const [a, b] = ids
    const before = await snapshot()
    const retries: TransactionRetryEvent[] = []
    const result = await transaction(
      test.db,
      async (trx, { attempt }) => {
        await accountStore(trx).debit(a!, '4.00')
        await accountStore(trx).credit(b!, '4.00')
        await ledgerStore(trx).recordTransfer(a!, b!, '4.00')
        if (attempt === 1) {
          await killFromOutside(await connectionId(trx))
          await wait(100) // the client notices the closed socket before COMMIT
        }
        return attempt
      },
      { onRetry: (event) => retries.push(event), backoff: () => 5 },
    )
    expect(result).toBe(2)
    expect(retries.map((event) => event.reason)).toEqual(['connection-lost'])
    const after = await snapshot()
    expect(Number(after.balances[0])).toBeCloseTo(Number(before.balances[0]) - 4, 2)
    expect(after.ledger.length).toBe(before.ledger.length + 1)
    expect(test.database.poolStats().inUse).toBe(0)
  })

  it('is a CommitOutcomeUnknownError in the same case on a plain mysql2 pool, which cannot tell; nothing is written', async () => {
    // Kysely sends ROLLBACK after a failed COMMIT and throws ROLLBACK's error: on a closed connection mysql2 refuses
    // both alike, so without the toolkit's pool nobody knows whether COMMIT left. It is not retried.
    const [a, b] = ids
    const plain = new Kysely<DB>({
      dialect: new MysqlDialect({ pool: createPool({ uri: test.url, connectionLimit: 2 }) }),
    })
    try {
      const before = await snapshot()
      let runs = 0
      const error = await transaction(plain, async (trx) => {
        runs++
        await accountStore(trx).debit(a!, '4.00')
        await accountStore(trx).credit(b!, '4.00')
        await killFromOutside(await connectionId(trx))
        await wait(100)
      }).then(
        () => undefined,
        (caught: unknown) => caught,
      )
      expect(CommitOutcomeUnknownError.is(error)).toBe(true)
      expect(runs).toBe(1)
      expect(await snapshot()).toEqual(before)
    } finally {
      await plain.destroy()
    }
  })

  it('gives a typed error and writes nothing when killed during a statement with no attempts left', async () => {
    const [a, b] = ids
    const before = await snapshot()
    const settled: TransactionSettledEvent[] = []
    const error = await transaction(
      test.db,
      async (trx) => {
        await accountStore(trx).debit(a!, '7.00')
        const id = await connectionId(trx)
        setTimeout(() => void killFromOutside(id), 200)
        await sql`select sleep(3)`.execute(trx) // killed while running
        await accountStore(trx).credit(b!, '7.00')
      },
      { maxAttempts: 1, onSettled: (event) => settled.push(event) },
    ).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(TransactionRetriesExhaustedError.is(error)).toBe(true)
    expect(error).toMatchObject({ attempts: 1, reason: 'connection-lost' })
    expect((error as Error).message).toMatch(
      /^Transaction gave up after 1 attempt: the last failed with a connection-lost/,
    )
    expect(settled).toMatchObject([{ outcome: 'rolled-back', attempts: 1 }])
    expect(await snapshot()).toEqual(before)
    await expect(transaction(test.db, async (trx) => connectionId(trx))).resolves.toBeGreaterThan(0)
    expect(test.database.poolStats().inUse).toBe(0)
  })

  it('retries after a kill during a statement, applying the transfer once', async () => {
    const [a, b] = ids
    const before = await snapshot()
    await transaction(
      test.db,
      async (trx, { attempt }) => {
        await accountStore(trx).debit(a!, '3.00')
        if (attempt === 1) {
          const id = await connectionId(trx)
          setTimeout(() => void killFromOutside(id), 200)
          await sql`select sleep(3)`.execute(trx)
        }
        await accountStore(trx).credit(b!, '3.00')
        await ledgerStore(trx).recordTransfer(a!, b!, '3.00')
      },
      { backoff: () => 5 },
    )
    const after = await snapshot()
    expect(Number(after.balances[0])).toBeCloseTo(Number(before.balances[0]) - 3, 2)
    expect(Number(after.balances[1])).toBeCloseTo(Number(before.balances[1]) + 3, 2)
    expect(after.ledger.length).toBe(before.ledger.length + 1)
  })
})

/**
 * A MysqlPool over plain mysql2 whose connections can cut their socket right after COMMIT has been written, as a
 * network failure would: the server gets the COMMIT, the client never hears back.
 */
function createCuttingPool(url: string) {
  const raw = createPool({ uri: url, connectionLimit: 3, supportBigNumbers: true, bigNumberStrings: true })
  const state = { cutNextCommit: false, cuts: 0 }
  const wrap = (connection: PoolConnection): MysqlPoolConnection => ({
    get config() {
      return connection.config
    },
    get threadId() {
      return connection.threadId
    },
    connect: (cb) => connection.connect(cb ?? (() => {})),
    destroy: () => connection.destroy(),
    release: () => connection.release(),
    query: (statement: string, parameters: unknown, cb?: (error: unknown, result: never) => void) => {
      const query = connection.query(statement, parameters as never[], cb as never)
      if (state.cutNextCommit && statement === 'commit') {
        state.cutNextCommit = false
        state.cuts++
        const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
        ;(connection as unknown as { stream: { destroy(error: Error): void } }).stream.destroy(reset)
      }
      return query as never
    },
  })
  const pool: MysqlPool = {
    getConnection: (callback) =>
      raw.getConnection((error, connection) =>
        callback(error, error ? (undefined as never) : wrap(connection)),
      ),
    end: (callback) => raw.end(callback),
  }
  return { pool, state }
}

describe('a connection lost while COMMIT is in flight', () => {
  it('is a CommitOutcomeUnknownError: not retried, no hooks, and the transaction is all there or not at all', async () => {
    const [a, b] = ids
    const cutting = createCuttingPool(test.url)
    const db = new Kysely<DB>({ dialect: new MysqlDialect({ pool: cutting.pool }) })
    try {
      const before = await snapshot(db)
      const hooks: string[] = []
      const settled: TransactionSettledEvent[] = []
      let runs = 0
      const error = await transaction(
        db,
        async (trx, { afterCommit, afterRollback }) => {
          runs++
          afterCommit(() => {
            hooks.push('afterCommit')
          })
          afterRollback(() => {
            hooks.push('afterRollback')
          })
          await accountStore(trx).debit(a!, '2.00')
          await accountStore(trx).credit(b!, '2.00')
          await ledgerStore(trx).recordTransfer(a!, b!, '2.00')
          cutting.state.cutNextCommit = true
        },
        { onSettled: (event) => settled.push(event) },
      ).then(
        () => undefined,
        (caught: unknown) => caught,
      )
      expect(cutting.state.cuts).toBe(1)
      expect(CommitOutcomeUnknownError.is(error)).toBe(true)
      expect((error as CommitOutcomeUnknownError).attempts).toBe(1)
      expect((error as Error).message).toMatch(/may or may not have committed/)
      expect(runs).toBe(1)
      expect(hooks).toEqual([])
      expect(settled).toMatchObject([{ outcome: 'commit-unknown', attempts: 1 }])
      const after = await snapshot(db)
      const committed = after.ledger.length === before.ledger.length + 1
      console.log(`COMMIT cut in flight: the server ${committed ? 'had committed' : 'had not committed'}`)
      if (committed) {
        expect(Number(after.balances[0])).toBeCloseTo(Number(before.balances[0]) - 2, 2)
        expect(Number(after.balances[1])).toBeCloseTo(Number(before.balances[1]) + 2, 2)
      } else {
        expect(after).toEqual(before)
      }
    } finally {
      await db.destroy()
    }
  })
})
