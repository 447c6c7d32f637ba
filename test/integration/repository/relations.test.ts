import { type Generated, type Kysely, type LogEvent, sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import { buildSchemaMetadata, introspectSchema } from '../../../codegen/index.js'
import type { DB } from '../../../example/generated/db.js'
import { metadata } from '../../../example/generated/metadata.js'
import { schemas } from '../../../example/generated/zod.js'
import { seedShop } from '../../../example/seed.js'
import { shop } from '../../../example/shop-schema.js'
import {
  belongsTo,
  createDatabase,
  createRepository,
  type Database,
  defineRepositorySchema,
  hasMany,
  InvalidOptionsError,
  manyToMany,
  TYPE_CAST_DEFAULTS,
} from '../../../src/index.js'
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
    prefix: 'ktrel',
    migrations: EXAMPLE_MIGRATIONS,
    seed: (seedDb) => seedShop(seedDb, { users: 120, ordersPerUser: 4 }),
    databaseOptions: withSuitePlugins({}),
  })
  database = createDatabase<DB>(
    withSuitePlugins({
      url: test.url,
      log: (event: LogEvent) => void statements.push(event.query.sql),
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

describe('relations', () => {
  it('loads users with completed orders and their items in 1 + 2 queries, matching plain queries', async () => {
    const users = createRepository(db, shop, 'users')
    const loaded = await users.findMany({
      where: (eb) => eb('id', '<=', 50),
      with: { orders: { where: { status: 'completed' }, with: { items: true } } },
    })
    expect(statements).toHaveLength(3)
    expect(statements[1]).toMatch(
      /^select .* from `orders` where `user_id` in \(.*\) and `status` = \? order by `id` asc$/,
    )
    expect(statements[2]).toMatch(/^select .* from `order_items` where `order_id` in \(/)
    expect(loaded).toHaveLength(50)

    const orders = await db
      .selectFrom('orders')
      .selectAll()
      .where('user_id', '<=', 50)
      .where('status', '=', 'completed')
      .orderBy('id')
      .execute()
    const items = await db
      .selectFrom('order_items')
      .selectAll()
      .where(
        'order_id',
        'in',
        orders.map((order) => order.id),
      )
      .orderBy('id')
      .execute()
    for (const user of loaded) {
      const expected = orders
        .filter((order) => order.user_id === user.id)
        .map((order) => ({ ...order, items: items.filter((item) => item.order_id === order.id) }))
      expect(user.orders).toEqual(expected)
      expect(user).not.toHaveProperty('password_hash')
    }
    // Types and values as the driver reads them: DECIMAL and BIGINT as strings, DATETIME as Date.
    const order = loaded.find((user) => user.orders.length > 0)!.orders[0]!
    expect(typeof order.id).toBe('string')
    expect(order.total).toMatch(/^\d+\.\d{2}$/)
    expect(order.created_at).toBeInstanceOf(Date)
    expect(typeof order.items[0]!.price).toBe('string')
  })

  it('keeps the number of queries fixed whatever the number of rows', async () => {
    const users = createRepository(db, shop, 'users', { maxLimit: 500 })
    for (const count of [1, 10, 120]) {
      statements.length = 0
      const rows = await users.findMany({
        limit: count,
        with: { orders: { with: { items: true } }, account: true },
      })
      expect(rows).toHaveLength(count)
      expect(statements).toHaveLength(4)
    }
  })

  it('loads belongsTo and hasOne as a row or null, with hidden columns left out', async () => {
    const orders = createRepository(db, shop, 'orders')
    const [order] = await orders.findMany({ limit: 1, with: { user: true } })
    expect(order!.user).toMatchObject({ id: order!.user_id })
    expect(order!.user).not.toHaveProperty('password_hash')
    expect(order!.user).not.toHaveProperty('ssn')
    const users = createRepository(db, shop, 'users')
    const user = await users.create({ email: 'lonely@example.com', first_name: 'L', last_name: 'O' })
    const found = await users.findById(user.id, { with: { account: true, orders: true } })
    expect(found?.account).toBeNull()
    expect(found?.orders).toEqual([])
    const withAccount = await users.findById(1, { with: { account: true } })
    expect(withAccount?.account?.owner_id).toBe(1)
  })

  it('selects the key columns a relation needs and removes them when not asked for', async () => {
    const users = createRepository(db, shop, 'users')
    const user = await users.findById(2, {
      select: ['email'],
      with: { orders: { select: ['total'], sort: '-total', with: { items: { select: ['product_name'] } } } },
    })
    expect(Object.keys(user!)).toEqual(['email', 'orders'])
    expect(user!.orders.length).toBe(4)
    for (const order of user!.orders) {
      expect(Object.keys(order)).toEqual(['total', 'items'])
      for (const item of order.items) expect(Object.keys(item)).toEqual(['product_name'])
    }
    const totals = user!.orders.map((order) => Number(order.total))
    expect(totals).toEqual([...totals].sort((a, b) => b - a))
  })

  it('loads nested belongsTo chains and relation filters as callbacks', async () => {
    const items = createRepository(db, shop, 'order_items')
    const rows = await items.findMany({
      limit: 5,
      with: {
        order: { where: (eb) => eb('status', '!=', 'cancelled'), with: { user: { select: ['email'] } } },
      },
    })
    for (const row of rows) {
      if (row.order === null) continue
      expect(row.order.status).not.toBe('cancelled')
      expect(Object.keys(row.order.user!)).toEqual(['email'])
    }
  })

  it('refuses unknown relations', async () => {
    const users = createRepository(db, shop, 'users')
    await expect(users.findById(1, { with: { nope: true } as never })).rejects.toThrow(InvalidOptionsError)
  })

  it('loads many-to-many relations through a join table in two queries', async () => {
    await using scratch = await createTestDatabase<DB>({
      serverUrl: inject('serverUrl'),
      prefix: 'ktm2m',
      databaseOptions: withSuitePlugins({}),
    })
    await sql`create table tags (id int unsigned auto_increment primary key, name varchar(50) not null)`.execute(
      scratch.db,
    )
    await sql`create table posts (id int unsigned auto_increment primary key, title varchar(50) not null)`.execute(
      scratch.db,
    )
    await sql`create table post_tags (
      post_id int unsigned not null,
      tag_id int unsigned not null,
      primary key (post_id, tag_id),
      foreign key (post_id) references posts (id),
      foreign key (tag_id) references tags (id)
    )`.execute(scratch.db)
    await sql`insert into tags (name) values ('b'), ('a'), ('c')`.execute(scratch.db)
    await sql`insert into posts (title) values ('one'), ('two'), ('three')`.execute(scratch.db)
    await sql`insert into post_tags values (1, 1), (1, 2), (2, 3), (2, 2)`.execute(scratch.db)
    // A relation without a foreign key, from an INT key to a BIGINT column (numbers on one side, strings on the other).
    await sql`create table comments (id bigint unsigned auto_increment primary key, post_id bigint unsigned not null,
      body varchar(50) not null)`.execute(scratch.db)
    await sql`insert into comments (post_id, body) values (2, 'x'), (1, 'y'), (2, 'z')`.execute(scratch.db)
    const { metadata: blogMetadata } = buildSchemaMetadata(
      await introspectSchema(scratch.db as Kysely<unknown>),
      {
        types: TYPE_CAST_DEFAULTS,
      },
    )
    const blog = defineRepositorySchema({
      metadata: blogMetadata,
      schemas: {},
      relations: {
        posts: {
          tags: manyToMany('tags', { through: 'post_tags' }),
          comments: hasMany('comments', { foreignKey: 'post_id' }),
        },
        comments: { post: belongsTo('posts', { foreignKey: 'post_id' }) },
        tags: { posts: manyToMany('posts', { through: 'post_tags' }) },
      },
    })
    interface Blog {
      posts: { id: Generated<number>; title: string }
      tags: { id: Generated<number>; name: string }
      post_tags: { post_id: number; tag_id: number }
      comments: { id: Generated<string>; post_id: string; body: string }
    }
    const blogDb = createDatabase<Blog>(
      withSuitePlugins({
        url: scratch.url,
        log: (event: LogEvent) => void statements.push(event.query.sql),
      }),
    )
    try {
      const posts = createRepository(blogDb.db, blog, 'posts')
      statements.length = 0
      const loaded = await posts.findMany({ with: { tags: { sort: 'name' } } })
      expect(statements).toHaveLength(3)
      expect(loaded.map((post) => [post.title, post.tags.map((tag) => tag.name)])).toEqual([
        ['one', ['a', 'b']],
        ['two', ['a', 'c']],
        ['three', []],
      ])
      const tags = createRepository(blogDb.db, blog, 'tags')
      const tagA = await tags.findOne({ name: 'a' }, { with: { posts: { select: ['title'] } } })
      expect(tagA?.posts).toEqual([{ title: 'one' }, { title: 'two' }])
      await expect(posts.create({ title: 'four' })).rejects.toThrow('writes need the zod schemas of posts')
      const withComments = await posts.findMany({ with: { comments: { select: ['body'] } } })
      expect(withComments.map((post) => post.comments.map((comment) => comment.body))).toEqual([
        ['y'],
        ['x', 'z'],
        [],
      ])
      const comments = createRepository(blogDb.db, blog, 'comments')
      const [first] = await comments.findMany({ limit: 1, with: { post: { select: ['title'] } } })
      expect(first?.post).toEqual({ title: 'two' })
    } finally {
      await blogDb.close()
    }
  })
})

describe('defineRepositorySchema', () => {
  it('finds relation keys from the foreign keys and refuses ambiguous or unknown ones', () => {
    expect(() =>
      defineRepositorySchema({
        metadata,
        schemas,
        relations: { accounts: { moves: hasMany('account_transactions') } },
      }),
    ).toThrow(
      'relations.accounts.moves: account_transactions has several foreign keys to accounts (from_account_id, to_account_id): name the foreignKey',
    )
    expect(() =>
      defineRepositorySchema({ metadata, schemas, relations: { orders: { buyer: belongsTo('accounts') } } }),
    ).toThrow('relations.orders.buyer: orders has no foreign key to accounts: name the foreignKey')
    expect(() =>
      defineRepositorySchema({ metadata, schemas, relations: { orders: { x: hasMany('nope' as 'users') } } }),
    ).toThrow('there is no table "nope" in the metadata')
    expect(() => defineRepositorySchema({ metadata, schemas, hidden: { users: ['nope' as 'ssn'] } })).toThrow(
      'hidden.users: users has no column nope',
    )
  })
})

describe('a bad `with`', () => {
  const users = () => createRepository(db, shop, 'users')
  const refusedBeforeSql = async (call: () => Promise<unknown>, check: (error: unknown) => boolean) => {
    statements.length = 0
    const error = await call().then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(check(error), String(error)).toBe(true)
    expect(statements).toEqual([])
  }

  it('is refused before any SQL, whether or not a row matches', async () => {
    const bogus = { with: { bogus: true } } as never
    const isUnknown = (error: unknown) =>
      InvalidOptionsError.is(error) && /with\.bogus is not a relation of users/.test(error.message)
    await refusedBeforeSql(() => users().findMany(bogus), isUnknown)
    await refusedBeforeSql(() => users().findById(999_999_999, bogus), isUnknown)
    await refusedBeforeSql(
      () => users().findMany({ where: (eb) => eb('id', '<', 0), ...(bogus as object) }),
      isUnknown,
    )
  })

  it('is refused before any SQL at a nested level, and for a nested sort or column', async () => {
    await refusedBeforeSql(
      () => users().findMany({ with: { orders: { with: { nope: true } } } } as never),
      (error) =>
        InvalidOptionsError.is(error) && /with\.nope is not a relation of orders/.test(error.message),
    )
    await refusedBeforeSql(
      () => users().findMany({ with: { orders: { sort: '-no_such_column' } } } as never),
      (error) => error instanceof Error && /no_such_column/.test(error.message),
    )
    await refusedBeforeSql(
      () => users().findMany({ with: { orders: { select: ['no_such_column'] } } } as never),
      (error) => error instanceof Error && /no_such_column/.test(error.message),
    )
  })
})

describe('a write with bad read options', () => {
  it('writes nothing: create, update and upsert refuse an unknown relation or column before any SQL', async () => {
    const users = createRepository(db, shop, 'users')
    const [first] = await db.selectFrom('users').select(['id', 'first_name']).orderBy('id').limit(1).execute()
    const email = `bad-with-${process.pid}@example.com`
    const input = { email, first_name: 'Bad', last_name: 'With' }
    for (const options of [{ with: { bogus: true } }, { select: ['no_such_column'] }] as never[]) {
      statements.length = 0
      await expect(users.create(input, options)).rejects.toThrow(/bogus|no_such_column/)
      await expect(users.upsert(input, options)).rejects.toThrow(/bogus|no_such_column/)
      await expect(users.update(first!.id, { first_name: 'Changed' }, options)).rejects.toThrow(
        /bogus|no_such_column/,
      )
      expect(statements).toEqual([])
    }
    expect(await db.selectFrom('users').select('id').where('email', '=', email).execute()).toEqual([])
    const [after] = await db.selectFrom('users').select('first_name').where('id', '=', first!.id).execute()
    expect(after?.first_name).toBe(first!.first_name)
  })
})
