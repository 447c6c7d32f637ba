import type { Kysely, Transaction } from 'kysely'
import { describe, expectTypeOf, it } from 'vitest'
import type { DB } from '../../example/generated/db.js'
import { createDatabase, type Database, type HealthReport, type PoolStats } from '../../src/index.js'

describe('createDatabase types', () => {
  it('gives a Kysely typed by the generated DB', () => {
    const database = createDatabase<DB>({ url: 'mysql://root@127.0.0.1:3306/test' })
    expectTypeOf(database).toEqualTypeOf<Database<DB>>()
    expectTypeOf(database.db).toEqualTypeOf<Kysely<DB>>()
    expectTypeOf(database.health()).resolves.toEqualTypeOf<HealthReport>()
    expectTypeOf(database.poolStats()).toEqualTypeOf<PoolStats>()
  })

  it('rejects unknown options and multipleStatements at compile time', () => {
    // @ts-expect-error multipleStatements is not an option
    createDatabase<DB>({ url: 'mysql://h/d', multipleStatements: true })
    // @ts-expect-error pool.max is a number
    createDatabase<DB>({ url: 'mysql://h/d', pool: { max: '10' } })
  })

  it('types rows from the generated schema', async () => {
    const { db } = createDatabase<DB>({ url: 'mysql://h/d' })
    const user = await db.selectFrom('users').select(['id', 'email', 'status']).executeTakeFirstOrThrow()
    expectTypeOf(user).toEqualTypeOf<{
      id: number
      email: string
      status: 'active' | 'inactive' | 'suspended'
    }>()
    expectTypeOf<Transaction<DB>>().toExtend<Kysely<DB>>()
  })
})
