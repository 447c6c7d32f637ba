import { createTransactionCounters, NotFoundError } from 'kysely-toolkit'
import { createTestDatabase, type TestDatabase } from 'kysely-toolkit/testing'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { DB } from '../../example/generated/db.js'
import { seedShop } from '../../example/seed.js'
import { EXAMPLE_MIGRATIONS } from '../../test/helpers/paths.js'
import { InsufficientFundsError, transferFunds } from './transfer-funds.js'

let test: TestDatabase<DB>
let ids: number[]

beforeAll(async () => {
  test = await createTestDatabase<DB>({
    serverUrl: inject('serverUrl'),
    migrations: EXAMPLE_MIGRATIONS,
    seed: (db) => seedShop(db, { users: 4, ordersPerUser: 0, openingBalance: '100.00' }),
    prefix: 'ktdocs',
    databaseOptions: { pool: { max: 10 } },
  })
  ids = (await test.db.selectFrom('accounts').select('id').orderBy('id').execute()).map((row) => row.id)
})

afterAll(() => test?.destroy())

async function balances(): Promise<string[]> {
  const rows = await test.db.selectFrom('accounts').select('balance').orderBy('id').execute()
  return rows.map((row) => row.balance)
}

async function ledgerCount(): Promise<number> {
  const rows = await test.db.selectFrom('account_transactions').select('id').execute()
  return rows.length
}

describe(transferFunds.name, () => {
  it('debits, credits and records the transfer', async () => {
    const [a, b] = ids
    const ledgerId = await transferFunds(test.db, a!, b!, '30.00')
    expect(await balances()).toEqual(['70.00', '130.00', '100.00', '100.00'])
    const entry = await test.db
      .selectFrom('account_transactions')
      .selectAll()
      .where('id', '=', ledgerId)
      .executeTakeFirstOrThrow()
    expect(entry).toMatchObject({ from_account_id: a, to_account_id: b, amount: '30.00', type: 'transfer' })
  })

  it('writes nothing when the source holds too little, or an account does not exist', async () => {
    const [a, b] = ids
    const before = await balances()
    const entries = await ledgerCount()
    // b > a: the credit to a runs first and is rolled back with the failed debit.
    await expect(transferFunds(test.db, b!, a!, '1000.00')).rejects.toBeInstanceOf(InsufficientFundsError)
    const missing = await transferFunds(test.db, a!, 999_999, '1.00').catch((error: unknown) => error)
    expect(NotFoundError.is(missing)).toBe(true)
    expect((missing as NotFoundError).message).toBe('No accounts row found for { id: 999999 }')
    expect(() => transferFunds(test.db, a!, b!, '-5')).toThrow(RangeError)
    expect(await balances()).toEqual(before)
    expect(await ledgerCount()).toBe(entries)
  })

  it('keeps the books balanced under concurrent transfers in both directions, without deadlocks', async () => {
    const [a, b, c] = ids
    const counters = createTransactionCounters()
    const pairs = [
      [a!, b!],
      [b!, a!],
      [b!, c!],
      [c!, a!],
    ] as const
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, index) => {
        const [from, to] = pairs[index % pairs.length]!
        return transferFunds(test.db, from, to, '1.25', counters.hooks)
      }),
    )
    const failed = results.filter((result) => result.status === 'rejected')
    for (const failure of failed)
      expect((failure as PromiseRejectedResult).reason).toBeInstanceOf(InsufficientFundsError)
    const total = (await balances()).reduce((sum, balance) => sum + Math.round(Number(balance) * 100), 0)
    expect(total).toBe(400_00)
    expect(counters.snapshot().retries.deadlock).toBe(0)
    expect(counters.snapshot().settled.committed).toBe(200 - failed.length)
  })
})
