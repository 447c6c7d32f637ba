import { ForeignKeyViolationError } from 'kysely-toolkit'
import { createTestDatabase } from 'kysely-toolkit/testing'
import { describe, expect, inject, it } from 'vitest'
import type { DB } from '../../example/generated/db.js'
import { seedShop } from '../../example/seed.js'
import { EXAMPLE_MIGRATIONS } from '../../test/helpers/paths.js'
import {
  createShopRepositories,
  getUserWithOrders,
  listUsers,
  placeOrder,
  registerUser,
} from './get-user-with-orders.js'

describe('docs example: repositories', () => {
  it('getUserWithOrders: a user with completed orders and their items, no password', async () => {
    await using test = await createTestDatabase<DB>({
      serverUrl: inject('serverUrl'),
      migrations: EXAMPLE_MIGRATIONS,
      seed: (db) => seedShop(db, { users: 12, ordersPerUser: 5 }),
      prefix: 'repodocs',
    })
    await test.db.updateTable('users').set({ password_hash: '$argon2id$secret' }).execute()
    const repositories = createShopRepositories(test.db)
    const user = await getUserWithOrders(repositories, 1)
    expect(user).not.toBeNull()
    expect(user).not.toHaveProperty('password_hash')
    expect(user!.orders.length).toBeGreaterThan(0)
    const completed = await test.db
      .selectFrom('orders')
      .select('id')
      .where('user_id', '=', 1)
      .where('status', '=', 'completed')
      .orderBy('created_at', 'desc')
      .execute()
    expect(user!.orders.map((order) => order.id)).toEqual(completed.map((order) => order.id))
    for (const order of user!.orders) {
      expect(order.status).toBe('completed')
      expect(order.items.length).toBe(2)
      for (const item of order.items) expect(item.order_id).toBe(order.id)
    }
    expect(await getUserWithOrders(repositories, 9999)).toBeNull()

    expect(
      await registerUser(repositories, { email: 'Ada@Example.com', first_name: 'Ada', last_name: 'L' }),
    ).toMatchObject({
      status: 201,
      body: { email: 'ada@example.com', status: 'active' },
    })
    expect(
      await registerUser(repositories, { email: 'ada@example.com', first_name: 'Ada', last_name: 'L' }),
    ).toEqual({
      status: 409,
      body: { problems: [{ path: ['email'], message: 'is already registered' }] },
    })
    const invalid = await registerUser(repositories, { email: 'nope', first_name: 'Ada' })
    expect(invalid.status).toBe(400)
    expect(
      (invalid.body as { problems: { path: string[] }[] }).problems.map((problem) => problem.path[0]),
    ).toEqual(['last_name', 'email'])

    const first = await listUsers(repositories, {
      'status[in]': 'active,inactive',
      sort: '-createdAt',
      limit: '5',
    })
    expect(first.status).toBe(200)
    const page = first.body as { items: { id: number; status: string }[]; nextCursor: string | null }
    expect(page.items).toHaveLength(5)
    for (const item of page.items) expect(['active', 'inactive']).toContain(item.status)
    const second = await listUsers(repositories, {
      'status[in]': 'active,inactive',
      sort: '-createdAt',
      limit: '5',
      after: page.nextCursor!,
    })
    const next = second.body as { items: { id: number }[] }
    expect(next.items.map((item) => item.id)).not.toContain(page.items[4]!.id)
    expect(await listUsers(repositories, { sort: '-password_hash' })).toEqual({
      status: 400,
      body: {
        error: 'Invalid sort: cannot sort by "password_hash"; allowed fields are createdAt, email, lastName',
      },
    })
    expect((await listUsers(repositories, { sort: 'email', after: page.nextCursor! })).status).toBe(400)
    expect((await listUsers(repositories, { 'ssn[eq]': '1' })).status).toBe(400)

    const order = await placeOrder(test.db, repositories, 2, [
      { product_name: 'Ink', quantity: 2, price: '4.50' },
      { product_name: 'Quill', quantity: 1, price: '10.00' },
    ])
    expect(order.total).toBe('19.00')
    expect(order.items.map((item) => item.product_name)).toEqual(['Ink', 'Quill'])
    const before = await test.db
      .selectFrom('orders')
      .select(test.db.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    await expect(
      placeOrder(test.db, repositories, 424242, [{ product_name: 'Ink', quantity: 1, price: '1.00' }]),
    ).rejects.toThrow(ForeignKeyViolationError)
    const after = await test.db
      .selectFrom('orders')
      .select(test.db.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    expect(after.n).toBe(before.n)
  })
})
