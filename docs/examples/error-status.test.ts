import { createRepository } from 'kysely-toolkit'
import { createTestDatabase } from 'kysely-toolkit/testing'
import { describe, expect, inject, it } from 'vitest'
import type { DB } from '../../example/generated/db.js'
import { seedShop } from '../../example/seed.js'
import { shop } from '../../example/shop-schema.js'
import { EXAMPLE_MIGRATIONS } from '../../test/helpers/paths.js'
import { statusOf } from './error-status.js'

async function statusOfCall(call: Promise<unknown>): Promise<number> {
  try {
    await call
    return 200
  } catch (error) {
    return statusOf(error)
  }
}

describe('docs example: HTTP statuses from typed errors', () => {
  it('maps the errors of repository calls', async () => {
    await using test = await createTestDatabase<DB>({
      serverUrl: inject('serverUrl'),
      migrations: EXAMPLE_MIGRATIONS,
      seed: (db) => seedShop(db, { users: 3, ordersPerUser: 1 }),
      prefix: 'errdocs',
    })
    const users = createRepository(test.db, shop, 'users')
    const orders = createRepository(test.db, shop, 'orders')
    expect(
      await statusOfCall(users.create({ email: 'user1@example.com', first_name: 'A', last_name: 'B' })),
    ).toBe(409)
    expect(await statusOfCall(users.create({ email: 'x@example.com' } as never))).toBe(400)
    expect(await statusOfCall(users.findByIdOrThrow(999))).toBe(404)
    expect(await statusOfCall(users.findMany({ sort: 'ssn' }))).toBe(400)
    expect(await statusOfCall(users.paginate({ after: 'forged.cursor' }))).toBe(400)
    expect(await statusOfCall(users.page({ pageSize: 10_000 }))).toBe(400)
    expect(await statusOfCall(orders.create({ user_id: 999 }))).toBe(422)
    expect(await statusOfCall(users.delete(1))).toBe(409)
    expect(statusOf(new Error('boom'))).toBe(500)
  })
})
