import { createTestDatabase } from 'kysely-toolkit/testing'
import { describe, expect, inject, it } from 'vitest'
import { ZodError } from 'zod'
import type { DB } from '../../example/generated/db.js'
import { seedShop } from '../../example/seed.js'
import { EXAMPLE_MIGRATIONS } from '../../test/helpers/paths.js'
import { listUsers, openShop, registerUser, userKeys } from './codegen-usage.js'

describe('docs example: using the generated modules', () => {
  it('validates with zod, inserts, sorts by a whitelisted column and reads keys from metadata', async () => {
    // Its own database: this test writes.
    await using test = await createTestDatabase<DB>({
      serverUrl: inject('serverUrl'),
      migrations: EXAMPLE_MIGRATIONS,
      seed: (db) => seedShop(db, { users: 10, ordersPerUser: 0 }),
      prefix: 'cgdocs',
    })
    await using shop = openShop(test.url)
    const id = await registerUser(shop.db, {
      email: `docs-${Date.now()}@example.com`,
      first_name: 'Ada',
      last_name: 'Lovelace',
    })
    expect(id).toBeGreaterThan(0)
    await expect(registerUser(shop.db, { email: 'x@example.com', first_name: 'Ada' })).rejects.toBeInstanceOf(
      ZodError,
    )
    const sorted = await listUsers(shop.db, 'created_at')
    const times = sorted.map((user) => user.created_at.getTime())
    expect(times).toHaveLength(5)
    expect(times).toEqual([...times].sort((a, b) => a - b))
    expect(() => listUsers(shop.db, 'password_hash')).toThrow('cannot sort by password_hash')
    expect(userKeys).toEqual({ primaryKey: ['id'], unique: [['email']] })
  })
})
