import { describe, expect, inject, it } from 'vitest'
import {
  connect,
  createRepositories,
  createUser,
  getUserWithOrders,
  listUsers,
  moveMoney,
  readiness,
  renameUser,
  withShopDatabase,
} from '../../../docs/examples/migration-guide.js'
import type { DB } from '../../../example/generated/db.js'
import { seedShop } from '../../../example/seed.js'
import { UniqueViolationError } from '../../../src/index.js'
import { createTestDatabase } from '../../../src/testing/index.js'
import { EXAMPLE_MIGRATIONS } from '../../helpers/paths.js'

describe('docs/examples/migration-guide.ts', () => {
  it('runs every pattern of the migration guide against a real server', async () => {
    await using test = await createTestDatabase<DB>({
      serverUrl: inject('serverUrl'),
      prefix: 'ktguide',
      migrations: EXAMPLE_MIGRATIONS,
      seed: (db) => seedShop(db, { users: 5 }),
    })
    const database = connect({ DATABASE_URL: test.url })
    try {
      const repositories = createRepositories(database.db)
      const created = await createUser(repositories, {
        email: 'grace@example.com',
        first_name: 'Grace',
        last_name: 'Hopper',
      })
      expect(created).toMatchObject({ email: 'grace@example.com', status: 'active' })
      expect(created).not.toHaveProperty('password_hash')
      const duplicate = await createUser(repositories, {
        email: 'grace@example.com',
        first_name: 'G',
        last_name: 'H',
      }).catch((error: Error) => error)
      expect(duplicate).toMatchObject({ message: 'Email already exists' })
      expect(UniqueViolationError.is((duplicate as Error).cause)).toBe(true)

      const user = await getUserWithOrders(repositories, 2)
      expect(user?.orders.length).toBeGreaterThan(0)
      expect(user?.orders.every((order) => order.status === 'completed')).toBe(true)
      expect(user?.orders[0]?.items.length).toBe(2)
      expect(user).not.toHaveProperty('password_hash')

      expect(await renameUser(repositories, 1, 'Lovelace-King')).toMatchObject({
        id: 1,
        last_name: 'Lovelace-King',
      })
      expect(await listUsers(repositories, 'email')).toHaveLength(6)
      expect(await listUsers(repositories, 'password_hash')).toMatchObject({ status: 400 })

      await moveMoney(database.db, 1, 2)
      const balances = await database.db
        .selectFrom('accounts')
        .select(['id', 'balance'])
        .where('id', 'in', [1, 2])
        .orderBy('id')
        .execute()
      expect(balances).toEqual([
        { id: 1, balance: '975.00' },
        { id: 2, balance: '1025.00' },
      ])
      expect(await readiness(database)).toMatchObject({ status: 200 })
    } finally {
      await database.close()
    }
    expect(
      await withShopDatabase(inject('serverUrl'), async (db) => (await db.introspection.getTables()).length),
    ).toBe(5)
  })
})
