import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { DB } from '../../../example/generated/db.js'
import { seedShop } from '../../../example/seed.js'
import {
  DataTooLongError,
  DeadlockError,
  ForeignKeyViolationError,
  NotNullViolationError,
  translateMysqlError,
  UniqueViolationError,
} from '../../../src/index.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/index.js'
import { EXAMPLE_MIGRATIONS } from '../../helpers/paths.js'
import { withSuitePlugins } from '../../helpers/suite-plugins.js'
import { integerExpression } from '../../helpers/test-server.js'

let test: TestDatabase<DB>

beforeAll(async () => {
  test = await createTestDatabase<DB>({
    serverUrl: inject('serverUrl'),
    migrations: EXAMPLE_MIGRATIONS,
    seed: (db) => seedShop(db, { users: 3, ordersPerUser: 1 }),
    prefix: 'kterr',
    databaseOptions: withSuitePlugins({}),
  })
})

afterAll(() => test?.destroy())

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the statement to fail')
    },
    (error: unknown) => error,
  )
}

const newUser = (email: string) => ({ email, first_name: 'Ada', last_name: 'Lovelace' })

describe(translateMysqlError.name, () => {
  it('turns a second user with the same email into a UniqueViolationError naming email and the index', async () => {
    await test.db.insertInto('users').values(newUser('dup@example.com')).execute()
    const error = await failure(test.db.insertInto('users').values(newUser('dup@example.com')).execute())
    expect(UniqueViolationError.is(error)).toBe(true)
    const violation = error as UniqueViolationError
    // MariaDB names the index `email` (Kysely's column-level `unique()`); the columns come from information_schema.
    expect(violation).toMatchObject({
      table: 'users',
      index: 'email',
      columns: ['email'],
      value: 'dup@example.com',
    })
    expect(violation.message).toBe(
      "Duplicate value 'dup@example.com' for unique index email (email) of users",
    )
    expect((violation.cause as { errno: number }).errno).toBe(1062)
    // The second violation of the same index is answered from the cache, with the same result.
    const again = await failure(
      test.db
        .updateTable('users')
        .set({ email: 'dup@example.com' })
        .where('email', '=', 'user1@example.com')
        .execute(),
    )
    expect(again).toMatchObject({ name: 'UniqueViolationError', index: 'email', columns: ['email'] })
    const count = await test.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('email', '=', 'dup@example.com')
      .executeTakeFirstOrThrow()
    expect(count.n).toBe('1')
  })

  it('names the primary key on a duplicate id', async () => {
    const error = await failure(
      test.db
        .insertInto('users')
        .values({ id: 1, ...newUser('pk@example.com') })
        .execute(),
    )
    expect(error).toMatchObject({
      name: 'UniqueViolationError',
      index: 'PRIMARY',
      columns: ['id'],
      value: '1',
    })
  })

  it('leaves the transaction usable after a duplicate key (the lookup runs on the same connection)', async () => {
    await test.db.transaction().execute(async (trx) => {
      await trx.insertInto('users').values(newUser('in-trx@example.com')).execute()
      const error = await failure(trx.insertInto('users').values(newUser('in-trx@example.com')).execute())
      expect(UniqueViolationError.is(error)).toBe(true)
      await trx.insertInto('users').values(newUser('in-trx-2@example.com')).execute()
    })
    const emails = await test.db
      .selectFrom('users')
      .select('email')
      .where('email', 'like', 'in-trx%')
      .orderBy('email')
      .execute()
    expect(emails.map((row) => row.email)).toEqual(['in-trx-2@example.com', 'in-trx@example.com'])
  })

  it('types foreign key violations on both sides', async () => {
    const child = await failure(test.db.insertInto('orders').values({ user_id: 999_999 }).execute())
    expect(ForeignKeyViolationError.is(child)).toBe(true)
    expect(child).toMatchObject({
      kind: 'missing-parent',
      table: 'orders',
      columns: ['user_id'],
      referencedTable: 'users',
      referencedColumns: ['id'],
    })
    expect((child as Error).message).toMatch(
      /^orders\.user_id must reference an existing users\.id \(foreign key \w+\)$/,
    )
    const parent = await failure(test.db.deleteFrom('users').where('id', '=', 1).execute())
    expect(parent).toMatchObject({ kind: 'parent-referenced', referencedTable: 'users' })
    expect(['accounts', 'orders']).toContain((parent as ForeignKeyViolationError).table)
  })

  it('types not-null and too-long values, naming the column', async () => {
    const nullName = await failure(
      test.db
        .insertInto('users')
        .values({ ...newUser('null@example.com'), first_name: null as never })
        .execute(),
    )
    expect(NotNullViolationError.is(nullName)).toBe(true)
    expect(nullName).toMatchObject({ table: 'users', column: 'first_name', omitted: false })
    const omitted = await failure(
      test.db
        .insertInto('users')
        .values({ email: 'omit@example.com', last_name: 'X' } as never)
        .execute(),
    )
    expect(omitted).toMatchObject({ name: 'NotNullViolationError', column: 'first_name', omitted: true })
    const tooLong = await failure(
      test.db
        .updateTable('users')
        .set({ first_name: 'x'.repeat(101) })
        .where('id', '=', 1)
        .execute(),
    )
    expect(DataTooLongError.is(tooLong)).toBe(true)
    expect(tooLong).toMatchObject({ table: 'users', column: 'first_name', row: 1 })
    expect((tooLong as Error).message).toBe('Value too long for column users.first_name (row 1)')
  })

  it('types a real deadlock', async () => {
    const [a, b] = await test.db.selectFrom('accounts').select('id').orderBy('id').limit(2).execute()
    const first = await test.db.startTransaction().execute()
    const second = await test.db.startTransaction().execute()
    try {
      await first.updateTable('accounts').set({ balance: sql`balance + 1` }).where('id', '=', a!.id).execute()
      await second
        .updateTable('accounts')
        .set({ balance: sql`balance + 1` })
        .where('id', '=', b!.id)
        .execute()
      const blocked = first
        .updateTable('accounts')
        .set({ balance: sql`balance + 1` })
        .where('id', '=', b!.id)
        .execute()
      await new Promise((resolve) => setTimeout(resolve, 100))
      const results = await Promise.allSettled([
        blocked,
        second.updateTable('accounts').set({ balance: sql`balance + 1` }).where('id', '=', a!.id).execute(),
      ])
      const rejected = results.filter((result) => result.status === 'rejected')
      expect(rejected).toHaveLength(1)
      expect(DeadlockError.is((rejected[0] as PromiseRejectedResult).reason)).toBe(true)
      // The victim's transaction is gone on the server (MariaDB would autocommit what follows): the pool refuses
      // its next statements, COMMIT included, until it rolls back.
      const victim = results[0]!.status === 'rejected' ? first : second
      const refused = await failure(victim.updateTable('accounts').set({ balance: '0.00' }).execute())
      expect(DeadlockError.is(refused)).toBe(true)
      expect(DeadlockError.is(await failure(victim.commit().execute()))).toBe(true)
    } finally {
      await first.rollback().execute()
      await second.rollback().execute()
    }
    const zeroed = await test.db.selectFrom('accounts').select('id').where('balance', '=', '0.00').execute()
    expect(zeroed).toEqual([])
    await expect(sql`select 1 as one`.execute(test.db)).resolves.toMatchObject({
      rows: [{ one: integerExpression(1) }],
    })
  })

  it('passes other server errors through untouched', async () => {
    const error = await failure(sql`select * from no_such_table`.execute(test.db))
    expect(error).toMatchObject({ errno: 1146, code: 'ER_NO_SUCH_TABLE' })
  })
})
