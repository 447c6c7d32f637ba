import { type Kysely, type LogEvent, sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import { z } from 'zod'
import type { DB } from '../../../example/generated/db.js'
import { schemas } from '../../../example/generated/zod.js'
import { seedShop } from '../../../example/seed.js'
import { shop } from '../../../example/shop-schema.js'
import {
  createDatabase,
  createRepository,
  type Database,
  defineRepositorySchema,
  ForeignKeyViolationError,
  type InvalidCursorError,
  InvalidFilterError,
  InvalidOptionsError,
  InvalidPageError,
  InvalidSortError,
  NotFoundError,
  UniqueViolationError,
  ValidationError,
} from '../../../src/index.js'
import { hasInsertReturning } from '../../../src/repository/insert-returning.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/index.js'
import { EXAMPLE_MIGRATIONS } from '../../helpers/paths.js'
import { withSuitePlugins } from '../../helpers/suite-plugins.js'

let test: TestDatabase<DB>
let database: Database<DB>
let db: Kysely<DB>
const statements: string[] = []

beforeAll(async () => {
  test = await createTestDatabase<DB>({
    serverUrl: inject('serverUrl'),
    prefix: 'ktrepo',
    migrations: EXAMPLE_MIGRATIONS,
    seed: (seedDb) => seedShop(seedDb, { users: 30, ordersPerUser: 3 }),
    databaseOptions: withSuitePlugins({}),
  })
  database = createDatabase<DB>(
    withSuitePlugins({
      url: test.url,
      log: (event: LogEvent) => {
        statements.push(event.query.sql)
      },
    }),
  )
  db = database.db
})

afterAll(async () => {
  await database?.close()
  await test?.destroy()
})

beforeEach(() => {
  statements.length = 0
})

const VISIBLE_USER_COLUMNS = ['id', 'email', 'first_name', 'last_name', 'status', 'created_at', 'updated_at']

function usersRepository(executor: Kysely<DB> = db) {
  return createRepository(executor, shop, 'users', {
    refine: { email: z.email({ error: 'must be an email address' }).toLowerCase() },
    sortable: { createdAt: 'created_at', email: 'email', lastName: 'last_name', id: 'id' },
    filterable: {
      status: ['eq', 'in'],
      createdAt: { column: 'created_at', operators: ['gte', 'lt'] },
      email: ['contains', 'eq'],
      id: ['in', 'gt'],
    },
    maxLimit: 50,
  })
}

/** Follows the cursors from the first page to the last; returns the ids in the order they came. */
async function walk(
  fetch: (after: string | null) => Promise<{ items: { id: string }[]; nextCursor: string | null }>,
): Promise<string[]> {
  const ids: string[] = []
  let after: string | null = null
  for (let pages = 0; pages < 1000; pages++) {
    const page = await fetch(after)
    ids.push(...page.items.map((row) => row.id))
    if (page.nextCursor === null) return ids
    after = page.nextCursor
  }
  throw new Error('more than 1000 pages')
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

describe('createRepository', () => {
  it('checks its options once, naming unknown and hidden columns', () => {
    expect(() => createRepository(db, shop, 'users', { sortable: ['password_hash'] })).toThrow(
      'sortable.password_hash names password_hash, which is hidden',
    )
    expect(() => createRepository(db, shop, 'users', { filterable: { ssn: ['eq'] } })).toThrow(
      InvalidOptionsError,
    )
    expect(() => createRepository(db, shop, 'users', { omit: ['nope' as never] })).toThrow(
      'omit names "nope", which is not a column of users',
    )
    expect(() => createRepository(db, {} as typeof shop, 'users')).toThrow(
      'schema must be made by defineRepositorySchema',
    )
  })
})

describe('reads', () => {
  const users = () => usersRepository()

  it('findById returns the visible columns only, typed as read', async () => {
    const user = await users().findById(1)
    expect(Object.keys(user!).sort()).toEqual([...VISIBLE_USER_COLUMNS].sort())
    expect(user?.email).toBe('user1@example.com')
    expect(user?.created_at).toBeInstanceOf(Date)
    expect(statements.at(-1)).not.toMatch(/password_hash|ssn|\*/)
    expect(await users().findById(999_999)).toBeNull()
  })

  it('findById takes a key from a URL, and refuses one that is not a key', async () => {
    expect((await users().findById('3' as never))?.id).toBe(3)
    const error = await rejection(users().findById('3abc' as never))
    expect(InvalidFilterError.is(error)).toBe(true)
    expect((error as InvalidFilterError).field).toBe('id')
    expect(InvalidFilterError.is(await rejection(users().findById({ $gt: 0 } as never)))).toBe(true)
    expect(InvalidFilterError.is(await rejection(users().findById(-1)))).toBe(true)
  })

  it("findById refuses numbers outside the key column's range or not whole, as zod would", async () => {
    // users.id is INT UNSIGNED: 0 to 4294967295.
    expect(await users().findById(4_294_967_295)).toBeNull()
    for (const id of [4_294_967_296, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      const error = await rejection(users().findById(id))
      expect(InvalidFilterError.is(error), String(id)).toBe(true)
      expect((error as InvalidFilterError).message).toMatch(/invalid users key: id /)
    }
    expect(statements).toHaveLength(1)
  })

  it('findByIdOrThrow throws NotFoundError naming the table and key', async () => {
    const error = await rejection(users().findByIdOrThrow(424_242))
    expect(NotFoundError.is(error)).toBe(true)
    expect((error as NotFoundError).table).toBe('users')
    expect((error as NotFoundError).key).toBe(424_242)
  })

  it('findByIds reads in one query, in the order given, without the missing ones', async () => {
    const rows = await users().findByIds([5, 2, 999_999, 5, 9], { select: ['email'] })
    expect(rows).toEqual([
      { email: 'user5@example.com' },
      { email: 'user2@example.com' },
      { email: 'user9@example.com' },
    ])
    expect(statements).toHaveLength(1)
    expect(statements[0]).toMatch(/where `id` in \(\?, \?, \?, \?\)/)
  })

  it('findOne and findOneOrThrow take equalities, including on hidden columns, and never return them', async () => {
    const user = await users().findOne({ email: 'user7@example.com', password_hash: null })
    expect(user?.id).toBe(7)
    expect(user).not.toHaveProperty('password_hash')
    expect(await users().findOne({ email: 'nobody@example.com' })).toBeNull()
    const error = await rejection(users().findOneOrThrow({ email: 'nobody@example.com' }))
    expect(NotFoundError.is(error)).toBe(true)
  })

  it('refuses lists and objects in an equality, so JSON bodies cannot smuggle operators', async () => {
    const body = JSON.parse('{"email": {"ne": ""}}') as { email: string }
    const error = await rejection(users().findOne({ email: body.email }))
    expect(InvalidFilterError.is(error)).toBe(true)
    expect((error as Error).message).toContain('email must be a single value, not an object')
    const forged = JSON.parse('[{"field":"x","column":"password_hash","operator":"eq","value":"x"}]')
    expect(InvalidFilterError.is(await rejection(users().findMany({ where: forged })))).toBe(true)
    expect(InvalidFilterError.is(await rejection(users().findOne({ nope: 1 } as never)))).toBe(true)
  })

  it('findMany filters, sorts (primary key last), limits, offsets and narrows columns', async () => {
    const rows = await users().findMany({
      where: { status: 'active' },
      sort: '-lastName',
      limit: '4',
      offset: 1,
      select: ['id', 'last_name'],
    })
    expect(rows).toHaveLength(4)
    expect(statements.at(-1)).toMatch(/order by `last_name` desc, `id` desc limit \? offset \?$/)
    const all = await db
      .selectFrom('users')
      .select(['id', 'last_name'])
      .where('status', '=', 'active')
      .orderBy('last_name', 'desc')
      .orderBy('id', 'desc')
      .execute()
    expect(rows).toEqual(all.slice(1, 5))
    expect(await users().findMany({ where: (eb) => eb('id', '<', 3), select: ['id'] })).toEqual([
      { id: 1 },
      { id: 2 },
    ])
  })

  it('findMany refuses a sort outside the whitelist and limits out of range', async () => {
    const sort = await rejection(users().findMany({ sort: 'password_hash' }))
    expect(InvalidSortError.is(sort)).toBe(true)
    expect((sort as InvalidSortError).allowed).toEqual(['createdAt', 'email', 'lastName', 'id'])
    expect(InvalidPageError.is(await rejection(users().findMany({ limit: 51 })))).toBe(true)
    expect(InvalidPageError.is(await rejection(users().findMany({ limit: 'ten' })))).toBe(true)
    expect(statements).toEqual([])
  })

  it('says why a column without an index is refused when sortable was not given, and how to allow it', async () => {
    const orders = createRepository(db, shop, 'orders')
    const error = await rejection(orders.findMany({ sort: '-total' }))
    expect(InvalidSortError.is(error)).toBe(true)
    expect((error as InvalidSortError).message).toContain(
      'cannot sort by "total": without a `sortable` option only indexed columns are sortable, and orders.total has no index (index it, or list it in the repository\'s `sortable`)',
    )
    // A name that is no column keeps the plain message.
    const unknown = await rejection(orders.findMany({ sort: 'nope' }))
    expect((unknown as InvalidSortError).reason).toBe('cannot sort by "nope"')
    expect(statements).toEqual([])
    await expect(
      createRepository(db, shop, 'orders', { sortable: ['total'] }).findMany({ sort: '-total', limit: 1 }),
    ).resolves.toHaveLength(1)
  })

  it('takes a filter parsed from a query string', async () => {
    const filter = users().parseFilter({ status: { in: 'inactive,suspended' }, id: { gt: '10' } })
    const rows = await users().findMany({ where: filter, select: ['id', 'status'] })
    expect(rows.length).toBeGreaterThan(0)
    for (const row of rows) {
      expect(row.id).toBeGreaterThan(10)
      expect(['inactive', 'suspended']).toContain(row.status)
    }
    expect(await users().count(filter)).toBe(rows.length)
    const byDate = users().parseFilter({
      'createdAt[gte]': '2024-01-01T00:05:00Z',
      'createdAt[lt]': '2024-01-01 00:07:00',
    })
    expect((await users().findMany({ where: byDate, select: ['id'] })).map((row) => row.id)).toEqual([6, 7])
    expect(() => users().parseFilter({ status: 'deleted' })).toThrow(InvalidFilterError)
    expect(() => users().parseFilter({ password_hash: 'x' })).toThrow(InvalidFilterError)
  })

  it('count and exists', async () => {
    expect(await users().count()).toBeGreaterThanOrEqual(30)
    expect(await users().count({ status: 'suspended' })).toBe(
      Number(
        (
          await db
            .selectFrom('users')
            .select(db.fn.countAll().as('n'))
            .where('status', '=', 'suspended')
            .executeTakeFirstOrThrow()
        ).n,
      ),
    )
    expect(await users().exists({ email: 'user1@example.com' })).toBe(true)
    expect(await users().exists({ email: 'nobody@example.com' })).toBe(false)
  })

  it('omit and select narrow the columns; select may name hidden columns', async () => {
    const slim = createRepository(db, shop, 'users', { omit: ['updated_at', 'created_at'] })
    expect(Object.keys((await slim.findById(1))!).sort()).toEqual([
      'email',
      'first_name',
      'id',
      'last_name',
      'status',
    ])
    expect(Object.keys((await slim.findById(1, { omit: ['status'] }))!).sort()).toEqual([
      'email',
      'first_name',
      'id',
      'last_name',
    ])
    expect(await slim.findById(1, { select: ['id', 'password_hash'] })).toEqual({
      id: 1,
      password_hash: null,
    })
  })
})

describe('pagination', () => {
  it('page returns the items, the total and the page count', async () => {
    const users = usersRepository()
    const total = await users.count({ status: 'active' })
    const second = await users.page({ where: { status: 'active' }, page: '2', pageSize: '5', select: ['id'] })
    expect(second.total).toBe(total)
    expect(second.pageCount).toBe(Math.ceil(total / 5))
    expect(second.page).toBe(2)
    expect(second.pageSize).toBe(5)
    const ids = (await users.findMany({ where: { status: 'active' }, select: ['id'] })).map((row) => row.id)
    expect(second.items.map((row) => row.id)).toEqual(ids.slice(5, 10))
    const beyond = await users.page({ page: 1000, pageSize: 5 })
    expect(beyond.items).toEqual([])
    expect(InvalidPageError.is(await rejection(users.page({ pageSize: 0 })))).toBe(true)
  })

  it('paginate walks every row once with many equal sort values, in both directions', async () => {
    const orders = createRepository(db, shop, 'orders', { sortable: ['status', 'created_at', 'total'] })
    for (const sort of ['status', '-status', 'total,-created_at', '-total']) {
      const seen = await walk((after) => orders.paginate({ sort, after, limit: 7, select: ['id'] }))
      const expected = (await orders.findMany({ sort, select: ['id'] })).map((row) => row.id)
      expect(seen).toEqual(expected)
      expect(new Set(seen).size).toBe(expected.length)
    }
  })

  it('paginate places NULLs as the server sorts them, without skipping or repeating rows', async () => {
    await using scratch = await createTestDatabase<DB>({
      serverUrl: inject('serverUrl'),
      prefix: 'ktkeyset',
      migrations: EXAMPLE_MIGRATIONS,
      seed: (seedDb) => seedShop(seedDb, { users: 4, ordersPerUser: 0 }),
      databaseOptions: withSuitePlugins({}),
    })
    const accounts = await scratch.db.selectFrom('accounts').select('id').execute()
    const ids = accounts.map((row) => row.id)
    const rows = Array.from({ length: 60 }, (_, index) => ({
      from_account_id: index % 3 === 0 ? null : ids[index % 2]!,
      to_account_id: index % 5 === 0 ? null : ids[(index + 1) % 4]!,
      amount: '1.00',
      type: 'transfer' as const,
    }))
    await scratch.db.insertInto('account_transactions').values(rows).execute()
    const ledger = createRepository(scratch.db, shop, 'account_transactions', {
      sortable: ['from_account_id', 'to_account_id', 'amount'],
    })
    for (const sort of [
      'from_account_id',
      '-from_account_id',
      'to_account_id,-from_account_id',
      '-to_account_id,amount',
    ]) {
      const seen = await walk((after) => ledger.paginate({ sort, after, limit: 4, select: ['id'] }))
      const expected = (await ledger.findMany({ sort, select: ['id'] })).map((row) => row.id)
      expect(seen).toEqual(expected)
      expect(seen).toHaveLength(60)
    }
  })

  it('refuses forged, tampered and stale cursors before any SQL', async () => {
    const users = usersRepository()
    const first = await users.paginate({ sort: '-createdAt', limit: 3 })
    const cursor = first.nextCursor!
    statements.length = 0
    const [payload, signature] = cursor.split('.') as [string, string]
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { k: unknown[] }
    body.k[1] = 1
    const tampered = `${Buffer.from(JSON.stringify(body)).toString('base64url')}.${signature}`
    const forged = (await rejection(
      users.paginate({ sort: '-createdAt', after: tampered }),
    )) as InvalidCursorError
    expect(forged.reason).toBe('forged')
    const stale = (await rejection(users.paginate({ sort: 'email', after: cursor }))) as InvalidCursorError
    expect(stale.reason).toBe('stale')
    const other = usersRepository()
    expect(
      ((await rejection(other.paginate({ sort: '-createdAt', after: cursor }))) as InvalidCursorError).reason,
    ).toBe('forged')
    const garbage = (await rejection(users.paginate({ after: "' OR 1=1 -- " }))) as InvalidCursorError
    expect(garbage.reason).toBe('malformed')
    expect(statements).toEqual([])
    const second = await users.paginate({ sort: '-createdAt', limit: 3, after: cursor })
    expect(second.items.map((row) => row.id)).not.toContain(first.items[2]!.id)
  })

  it('shares cursors between repositories given the same secret', async () => {
    const secret = 'a-shared-secret-of-at-least-32-bytes'
    const one = createRepository(db, shop, 'users', { cursorSecret: secret })
    const two = createRepository(db, shop, 'users', { cursorSecret: secret })
    const page = await one.paginate({ limit: 2 })
    expect((await two.paginate({ limit: 2, after: page.nextCursor })).items[0]?.id).toBe(3)
  })
})

describe('writes', () => {
  const users = () => usersRepository()

  it('create validates, inserts and returns the stored row with its defaults', async () => {
    const input = { email: 'Grace@Example.com', first_name: 'Grace', last_name: 'Hopper' }
    const user = await users().create(input)
    // The refinement lower-cased the stored email, not the caller's object.
    expect(input.email).toBe('Grace@Example.com')
    expect(user.email).toBe('grace@example.com')
    expect(user.status).toBe('active')
    expect(user.created_at).toBeInstanceOf(Date)
    expect(user).not.toHaveProperty('password_hash')
    expect(await users().findById(user.id)).toEqual(user)
  })

  it('create with a client-supplied key reads back that key', async () => {
    const user = await users().create({
      id: 90_001,
      email: 'keyed@example.com',
      first_name: 'K',
      last_name: 'Ey',
    })
    expect(user.id).toBe(90_001)
    expect(await users().findById(90_001)).toEqual(user)
  })

  it('create is one INSERT ... RETURNING on MariaDB 10.5+, an INSERT and a read-back on MySQL', async () => {
    const version = (await sql<{ v: string }>`select version() as v`.execute(db)).rows[0]!.v
    const returning = hasInsertReturning(version)
    statements.length = 0
    const user = await users().create(
      { email: 'once@example.com', first_name: 'O', last_name: 'Nce' },
      { select: ['id', 'email', 'status'] },
    )
    expect(user).toEqual({ id: expect.any(Number), email: 'once@example.com', status: 'active' })
    const writes = statements.filter((statement) => !/^select version\(\)/.test(statement))
    if (returning) {
      expect(writes).toEqual([
        'insert into `users` (`email`, `first_name`, `last_name`) values (?, ?, ?) returning `id`, `email`, `status`',
      ])
    } else {
      expect(writes).toHaveLength(2)
      expect(writes[1]).toMatch(/^select `id`, `email`, `status` from `users` where `id` = \?/)
    }
    // The version is asked once per database, not per call or per repository.
    statements.length = 0
    await usersRepository().create({ email: 'twice-once@example.com', first_name: 'W', last_name: 'O' })
    expect(statements).toHaveLength(returning ? 1 : 2)
  })

  it('create with relations reads the row back with them', async () => {
    const user = await users().create(
      { email: 'related@example.com', first_name: 'R', last_name: 'El' },
      { with: { orders: true } },
    )
    expect(user.orders).toEqual([])
    expect(user.email).toBe('related@example.com')
  })

  it('create with returning: false returns the key and reads nothing back', async () => {
    const id = await users().create(
      { email: 'quiet@example.com', first_name: 'Q', last_name: 'Uiet' },
      { returning: false },
    )
    expect(typeof id).toBe('number')
    expect(statements).toHaveLength(1)
    expect(statements[0]).toMatch(/^insert into `users`/)
    expect(statements[0]).not.toMatch(/returning/)
    expect((await users().findById(id))?.email).toBe('quiet@example.com')
    const keyed = await users().create(
      { id: 90_011, email: 'quiet-keyed@example.com', first_name: 'Q', last_name: 'K' },
      { returning: false },
    )
    expect(keyed).toBe(90_011)
    // A BIGINT key comes back as the column is read: a string by default.
    const orderId = await createRepository(db, shop, 'orders').create({ user_id: id }, { returning: false })
    expect(orderId).toMatch(/^\d+$/)
  })

  it('create lists every problem with its path before any SQL', async () => {
    const error = (await rejection(
      users().create({
        email: 'not-an-email',
        first_name: 'x'.repeat(101),
        status: 'deleted',
        extra: 1,
      } as never),
    )) as ValidationError
    expect(ValidationError.is(error)).toBe(true)
    expect(error.issues.map((issue) => issue.path.join('.')).sort()).toEqual(
      ['email', 'extra', 'first_name', 'last_name', 'status'].sort(),
    )
    expect(error.issues.find((issue) => issue.path[0] === 'email')?.message).toBe('must be an email address')
    expect(error.issues.find((issue) => issue.path[0] === 'extra')?.message).toBe('is not a column of users')
    expect(statements).toEqual([])
  })

  it('a valid row still meets the refinements, and a schema the user derived is not bypassed', async () => {
    // Every generated field test passes here; the email refinement still runs.
    const refined = (await rejection(
      users().create({ email: 'not-an-email', first_name: 'Ada', last_name: 'Lovelace' }),
    )) as ValidationError
    expect(refined.issues).toEqual([{ path: ['email'], message: 'must be an email address' }])
    const derived = defineRepositorySchema({
      metadata: shop.metadata,
      schemas: {
        ...schemas,
        users: {
          ...schemas.users,
          insert: schemas.users.insert.extend({ email: z.email({ error: 'no email' }) }),
        },
      },
    })
    const strict = createRepository(db, derived, 'users')
    const error = (await rejection(
      strict.create({ email: 'still-not-an-email', first_name: 'Ada', last_name: 'Lovelace' }),
    )) as ValidationError
    expect(error.issues).toEqual([{ path: ['email'], message: 'no email' }])
    expect(statements).toEqual([])
  })

  it('a second user with the same email is a UniqueViolationError naming email', async () => {
    await users().create({ email: 'twice@example.com', first_name: 'A', last_name: 'B' })
    const error = (await rejection(
      users().create({ email: 'TWICE@example.com', first_name: 'C', last_name: 'D' }),
    )) as UniqueViolationError
    expect(UniqueViolationError.is(error)).toBe(true)
    expect(error.columns).toEqual(['email'])
    expect(error.table).toBe('users')
  })

  it('createMany validates every row, reporting row indexes, and writes nothing on a problem', async () => {
    const before = await users().count()
    const error = (await rejection(
      users().createMany([
        { email: 'ok1@example.com', first_name: 'A', last_name: 'B' },
        { email: 'bad', first_name: 'A', last_name: 'B' },
        { email: 'ok2@example.com', last_name: 'B' } as never,
      ]),
    )) as ValidationError
    expect(error.issues.map((issue) => issue.path.join('.'))).toEqual(['1.email', '2.first_name'])
    expect(await users().count()).toBe(before)
  })

  it('createMany splits rows under the 65,535-placeholder limit, in one transaction', async () => {
    const orders = createRepository(db, shop, 'order_items')
    const order = await db.selectFrom('orders').select('id').orderBy('id').executeTakeFirstOrThrow()
    const rows = Array.from({ length: 17_000 }, (_, index) => ({
      order_id: order.id,
      product_name: `bulk ${index}`,
      quantity: 1,
      price: '1.00',
    }))
    const result = await orders.createMany(rows)
    expect(result).toEqual({ count: 17_000, statements: 2 })
    expect(await orders.count({ order_id: order.id, price: '1.00' })).toBe(17_000)
    // A foreign-key failure in the second statement rolls the first back.
    const failing = [...rows.slice(0, 16_500), { ...rows[0]!, order_id: '999999999' }]
    const error = await rejection(orders.createMany(failing))
    expect(ForeignKeyViolationError.is(error)).toBe(true)
    expect(await orders.count({ order_id: order.id, price: '1.00' })).toBe(17_000)
    await orders.deleteMany({ order_id: order.id, price: '1.00' })
  })

  it('createMany splits rows under max_allowed_packet', async () => {
    const orders = createRepository(db, shop, 'order_items')
    const order = await db.selectFrom('orders').select('id').orderBy('id').executeTakeFirstOrThrow()
    const { rows } = await sql<{ size: string }>`select @@max_allowed_packet as size`.execute(db)
    const packet = Number(rows[0]!.size)
    const name = 'é'.repeat(200)
    const count = Math.ceil((packet / (Buffer.byteLength(name) * 2 + 100)) * 1.5)
    const result = await orders.createMany(
      Array.from({ length: count }, () => ({
        order_id: order.id,
        product_name: name,
        quantity: 3,
        price: '2.00',
      })),
    )
    expect(result.count).toBe(count)
    expect(result.statements).toBeGreaterThanOrEqual(2)
    expect(await orders.deleteMany({ order_id: order.id, product_name: name })).toBe(count)
  })

  it('update writes only the given columns, returns the row, and an empty patch writes nothing', async () => {
    const user = await users().create({ email: 'patch@example.com', first_name: 'P', last_name: 'Q' })
    await sql`select sleep(0.01)`.execute(db)
    const updated = await users().update(user.id, { first_name: 'Patched', last_name: undefined })
    expect(updated?.first_name).toBe('Patched')
    expect(updated?.last_name).toBe('Q')
    expect(
      statements.some((statement) => /^update `users` set `first_name` = \? where/.test(statement)),
    ).toBe(true)
    statements.length = 0
    const same = await users().update(user.id, { last_name: undefined })
    expect(same).toEqual(updated)
    expect(statements.filter((statement) => statement.startsWith('update'))).toEqual([])
    expect(await users().update(999_999, { first_name: 'X' })).toBeNull()
    expect(NotFoundError.is(await rejection(users().updateOrThrow(999_999, { first_name: 'X' })))).toBe(true)
  })

  it('update refuses unknown columns, key changes and invalid values', async () => {
    const error = (await rejection(
      users().update(1, { id: 5, first_name: 'x'.repeat(500), nope: 1 } as never),
    )) as ValidationError
    expect(error.issues.map((issue) => issue.path.join('.')).sort()).toEqual(['first_name', 'id', 'nope'])
  })

  it('updateMany and deleteMany need a condition and report how many rows', async () => {
    await users().createMany([
      { email: 'many1@example.com', first_name: 'Many', last_name: 'A' },
      { email: 'many2@example.com', first_name: 'Many', last_name: 'B' },
    ])
    expect(await users().updateMany({ first_name: 'Many' }, { status: 'inactive' })).toBe(2)
    expect(await users().count({ first_name: 'Many', status: 'inactive' })).toBe(2)
    expect(InvalidFilterError.is(await rejection(users().updateMany({}, { status: 'active' })))).toBe(true)
    expect(InvalidFilterError.is(await rejection(users().deleteMany({ first_name: undefined })))).toBe(true)
    expect(await users().deleteMany({ first_name: 'Many' })).toBe(2)
  })

  it('delete reports whether a row was deleted; a referenced row is a ForeignKeyViolationError', async () => {
    const user = await users().create({ email: 'gone@example.com', first_name: 'G', last_name: 'O' })
    expect(await users().delete(user.id)).toBe(true)
    expect(await users().delete(user.id)).toBe(false)
    const error = (await rejection(users().delete(1))) as ForeignKeyViolationError
    expect(ForeignKeyViolationError.is(error)).toBe(true)
    expect(error.kind).toBe('parent-referenced')
  })

  it('upsert inserts, then updates the row with the same unique key and returns it', async () => {
    const inserted = await users().upsert({ email: 'up@example.com', first_name: 'Up', last_name: 'One' })
    const updated = await users().upsert(
      { email: 'up@example.com', first_name: 'Up', last_name: 'Two' },
      { update: ['last_name'] },
    )
    expect(updated.id).toBe(inserted.id)
    expect(updated.last_name).toBe('Two')
    const unchanged = await users().upsert({ email: 'up@example.com', first_name: 'Up', last_name: 'Two' })
    expect(unchanged.id).toBe(inserted.id)
  })
})

describe('in a transaction', () => {
  it('every method runs on the transaction it is given', async () => {
    const outside = usersRepository()
    const rolledBack = Symbol('rollback')
    let createdId = 0
    const error = await rejection(
      db.transaction().execute(async (trx) => {
        const users = outside.withExecutor(trx)
        const user = await users.create({ email: 'trx@example.com', first_name: 'T', last_name: 'X' })
        createdId = user.id
        expect(await users.findById(user.id)).toEqual(user)
        expect(await users.exists({ email: 'trx@example.com' })).toBe(true)
        expect((await users.update(user.id, { last_name: 'Y' }))?.last_name).toBe('Y')
        expect(
          (await users.upsert({ email: 'trx@example.com', first_name: 'T', last_name: 'Z' })).last_name,
        ).toBe('Z')
        expect(
          await users.createMany([{ email: 'trx2@example.com', first_name: 'T', last_name: '2' }]),
        ).toEqual({
          count: 1,
          statements: 1,
        })
        expect(await users.updateMany({ first_name: 'T' }, { status: 'suspended' })).toBe(2)
        expect(await users.count({ first_name: 'T' })).toBe(2)
        expect((await users.page({ where: { first_name: 'T' } })).total).toBe(2)
        expect((await users.paginate({ where: { first_name: 'T' }, limit: 1 })).nextCursor).not.toBeNull()
        expect(await users.findByIds([user.id])).toHaveLength(1)
        expect(await users.findOne({ email: 'trx2@example.com' })).not.toBeNull()
        expect(
          (await users.findMany({ where: { first_name: 'T' }, with: { orders: true } })).map(
            (row) => row.orders,
          ),
        ).toEqual([[], []])
        expect(await users.deleteMany({ email: 'trx2@example.com' })).toBe(1)
        // Not visible outside before commit.
        expect(await outside.findById(user.id)).toBeNull()
        throw rolledBack
      }),
    )
    expect(error).toBe(rolledBack)
    expect(await outside.findById(createdId)).toBeNull()
    expect(await outside.exists({ email: 'trx@example.com' })).toBe(false)
  })

  it('createMany in a transaction uses it (no nested transaction)', async () => {
    await db.transaction().execute(async (trx) => {
      const users = usersRepository(trx)
      const result = await users.createMany([
        { email: 'nested1@example.com', first_name: 'N', last_name: '1' },
        { email: 'nested2@example.com', first_name: 'N', last_name: '2' },
      ])
      expect(result.count).toBe(2)
    })
    expect(await usersRepository().deleteMany({ first_name: 'N' })).toBe(2)
  })
})
