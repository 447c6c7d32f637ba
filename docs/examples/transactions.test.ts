import { createTestDatabase, type TestDatabase } from 'kysely-toolkit/testing'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { DB } from '../../example/generated/db.js'
import { seedShop } from '../../example/seed.js'
import { EXAMPLE_MIGRATIONS } from '../../test/helpers/paths.js'
import { countedTransaction, describeAttempt, orderWithCoupon, placeOrder } from './transactions.js'

let test: TestDatabase<DB>

beforeAll(async () => {
  // Its own database: these examples write.
  test = await createTestDatabase<DB>({
    serverUrl: inject('serverUrl'),
    migrations: EXAMPLE_MIGRATIONS,
    seed: (db) => seedShop(db, { users: 3, ordersPerUser: 0 }),
    prefix: 'trxdocs',
  })
})

afterAll(() => test?.destroy())

const totalOf = async (id: string) =>
  (await test.db.selectFrom('orders').select('total').where('id', '=', id).executeTakeFirstOrThrow()).total

describe('docs/transactions.md examples', () => {
  it('places an order and sends the mail after the commit', async () => {
    await test.db.updateTable('users').set({ status: 'inactive' }).where('id', '=', 2).execute()
    const sent: string[] = []
    let committedWhenSent = false
    const orderId = await placeOrder(
      test.db,
      {
        send: async (userId, subject) => {
          // Runs after the commit: another connection already sees the order.
          const orders = await test.db
            .selectFrom('orders')
            .select('id')
            .where('user_id', '=', userId)
            .execute()
          committedWhenSent = orders.length === 1
          sent.push(`${userId}: ${subject}`)
        },
      },
      2,
    )
    expect(typeof orderId).toBe('bigint')
    expect(sent).toEqual(['2: Thanks for your order'])
    expect(committedWhenSent).toBe(true)
    const user = await test.db
      .selectFrom('users')
      .select('status')
      .where('id', '=', 2)
      .executeTakeFirstOrThrow()
    expect(user.status).toBe('active')
  })

  it('gives the callback its attempt, depth, signal and hooks', async () => {
    const lines: string[] = []
    const rows = await describeAttempt(test.db, (line) => lines.push(line))
    expect(rows).toHaveLength(1)
    expect(lines).toEqual(['attempt 1 at depth 0', 'committed'])
  })

  it('rolls back only the savepoint of a failed coupon', async () => {
    const withCoupon = await orderWithCoupon(test.db, 1, 'WELCOME10')
    expect(await totalOf(withCoupon)).toBe('90.00')
    const withoutCoupon = await orderWithCoupon(test.db, 1, 'NOPE')
    expect(await totalOf(withoutCoupon)).toBe('100.00')
  })

  it('counts settled transactions', async () => {
    expect(await countedTransaction(test.db)).toEqual({
      settled: { committed: 1, 'rolled-back': 0, 'commit-unknown': 0 },
      retries: { deadlock: 0, 'lock-timeout': 0, serialization: 0, 'connection-lost': 0 },
      exhausted: 0,
    })
  })
})
