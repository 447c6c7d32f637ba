import { createTestDatabase, type TestDatabase } from 'kysely-toolkit/testing'
import { afterAll, beforeAll, describe, expect, expectTypeOf, inject, it } from 'vitest'
import type { DB } from '../../example/generated/db.js'
import { seedShop } from '../../example/seed.js'
import { EXAMPLE_MIGRATIONS } from '../../test/helpers/paths.js'
import { firstSteps, importUsers, register, userWithCompletedOrders } from './repositories.js'

let test: TestDatabase<DB>

beforeAll(async () => {
  // Its own database: these examples write.
  test = await createTestDatabase<DB>({
    serverUrl: inject('serverUrl'),
    migrations: EXAMPLE_MIGRATIONS,
    seed: (db) => seedShop(db, { users: 5, ordersPerUser: 3 }),
    prefix: 'repodocs',
  })
})

afterAll(() => test?.destroy())

describe('docs/repositories.md and docs/errors.md examples', () => {
  it('creates, finds and pages users', async () => {
    const { user, same, page } = await firstSteps(test.db)
    expect(same).toEqual(user)
    expect(same).not.toHaveProperty('password_hash')
    expect(page.items).toHaveLength(6)
    expect(page.items.map((item) => item.created_at.getTime())).toEqual(
      page.items.map((item) => item.created_at.getTime()).sort((a, b) => b - a),
    )
    expect(page.nextCursor).toBeNull()
  })

  it('reads a user narrowed to the named columns, with completed orders and their items', async () => {
    const user = await userWithCompletedOrders(test.db, 1)
    expectTypeOf(user).toEqualTypeOf<{
      id: number
      email: string
      orders: { id: string; total: string; items: Awaited<ReturnType<typeof itemsOf>> }[]
    }>()
    expect(Object.keys(user).sort()).toEqual(['email', 'id', 'orders'])
    const statuses = await test.db.selectFrom('orders').select('status').where('user_id', '=', 1).execute()
    expect(user.orders).toHaveLength(statuses.filter((order) => order.status === 'completed').length)
    for (const order of user.orders) expect(order.items.length).toBeGreaterThan(0)
  })

  it('answers a taken e-mail address with the columns of the unique key', async () => {
    const email = 'grace@example.com'
    await expect(register(test.db, email)).resolves.toMatchObject({ email })
    await expect(register(test.db, email)).resolves.toEqual({ taken: ['email'] })
  })
  it('creates with returning: false and gets the keys of the stored rows', async () => {
    const ids = await importUsers(test.db, ['import-1@example.com', 'import-2@example.com'])
    expectTypeOf(ids).toEqualTypeOf<number[]>()
    expect(ids).toHaveLength(2)
    expect(ids[1]).toBeGreaterThan(ids[0]!)
    const stored = await test.db
      .selectFrom('users')
      .select(['id', 'email'])
      .where('id', 'in', ids)
      .orderBy('id')
      .execute()
    expect(stored).toEqual([
      { id: ids[0], email: 'import-1@example.com' },
      { id: ids[1], email: 'import-2@example.com' },
    ])
  })
})

/** The type of a loaded order's items: every visible column of order_items. */
async function itemsOf() {
  return test.db.selectFrom('order_items').selectAll().execute()
}
