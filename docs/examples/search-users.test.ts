import { InvalidFilterError, InvalidSortError } from 'kysely-toolkit'
import { createTestDatabase } from 'kysely-toolkit/testing'
import { describe, expect, inject, it } from 'vitest'
import type { DB } from '../../example/generated/db.js'
import { seedShop } from '../../example/seed.js'
import { EXAMPLE_MIGRATIONS } from '../../test/helpers/paths.js'
import { searchUsers } from './search-users.js'

describe('docs example: sorting and filtering from a query string', () => {
  it('sorts and filters by whitelisted fields only', async () => {
    await using test = await createTestDatabase<DB>({
      serverUrl: inject('serverUrl'),
      migrations: EXAMPLE_MIGRATIONS,
      seed: (db) => seedShop(db, { users: 30, ordersPerUser: 0 }),
      prefix: 'sortdocs',
    })
    await test.db
      .insertInto('users')
      .values({ email: '50%_off@example.com', first_name: 'S', last_name: 'P' })
      .execute()
    const rows = await searchUsers(test.db, {
      sort: '-createdAt',
      filter: { status: { in: 'active,inactive' } },
    })
    expect(rows.length).toBe(20)
    for (const row of rows) expect(['active', 'inactive']).toContain(row.status)
    const times = rows.map((row) => row.created_at.getTime())
    expect(times).toEqual([...times].sort((a, b) => b - a))
    // % and _ match only themselves.
    expect(
      (await searchUsers(test.db, { filter: { email: { contains: '50%_' } } })).map((row) => row.email),
    ).toEqual(['50%_off@example.com'])
    expect(await searchUsers(test.db, { filter: { email: { contains: '%' } } })).toHaveLength(1)
    expect(() => searchUsers(test.db, { sort: 'password_hash' })).toThrow(InvalidSortError)
    expect(() => searchUsers(test.db, { filter: { status: { like: 'a%' } } })).toThrow(InvalidFilterError)
  })
})
