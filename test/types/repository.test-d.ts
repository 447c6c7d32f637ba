import type { Kysely, Transaction } from 'kysely'
import { describe, expectTypeOf, it } from 'vitest'
import type { DB } from '../../example/generated/db.js'
import { shop } from '../../example/shop-schema.js'
import { createRepository, type KeysetPage, type PageResult, type Repository } from '../../src/index.js'

declare const db: Kysely<DB>
declare const trx: Transaction<DB>

type Status = 'active' | 'inactive' | 'suspended'
type OrderStatus = 'pending' | 'completed' | 'cancelled'

/** A user as the repository reads it by default: every column but the schema's hidden ones. */
interface VisibleUser {
  id: number
  email: string
  first_name: string
  last_name: string
  status: Status
  created_at: Date
  updated_at: Date
}

describe('repository types', () => {
  const users = createRepository(db, shop, 'users')

  it('reads the visible columns; hidden columns are not in the type', async () => {
    expectTypeOf(await users.findById(1)).toEqualTypeOf<VisibleUser | null>()
    expectTypeOf(await users.findByIdOrThrow(1)).toEqualTypeOf<VisibleUser>()
    expectTypeOf(await users.findMany()).toEqualTypeOf<VisibleUser[]>()
    expectTypeOf(
      await users.create({ email: 'a@b.c', first_name: 'A', last_name: 'B' }),
    ).toEqualTypeOf<VisibleUser>()
    expectTypeOf<VisibleUser>().not.toHaveProperty('password_hash')
  })

  it('create returns the row, or with returning: false the key', async () => {
    const row = { email: 'a@b.c', first_name: 'A', last_name: 'B' }
    expectTypeOf(await users.create(row, { returning: false })).toEqualTypeOf<number>()
    expectTypeOf(await users.create(row, { returning: true })).toEqualTypeOf<VisibleUser>()
    expectTypeOf(await users.create(row, { returning: true, select: ['id'] })).toEqualTypeOf<{ id: number }>()
    const orders = createRepository(db, shop, 'orders')
    expectTypeOf(await orders.create({ user_id: 1 }, { returning: false })).toEqualTypeOf<
      string | number | bigint
    >()
    // @ts-expect-error a key-only create reads no columns
    await users.create(row, { returning: false, select: ['id'] })
  })

  it('narrows the result to select, and select may name hidden columns', async () => {
    expectTypeOf(await users.findById(1, { select: ['id', 'email'] })).toEqualTypeOf<{
      id: number
      email: string
    } | null>()
    expectTypeOf(
      await users.findOneOrThrow({ email: 'a@b.c' }, { select: ['id', 'password_hash'] }),
    ).toEqualTypeOf<{
      id: number
      password_hash: string | null
    }>()
  })

  it('narrows the result with omit, per call and per repository', async () => {
    expectTypeOf(await users.findByIdOrThrow(1, { omit: ['created_at', 'updated_at'] })).toEqualTypeOf<{
      id: number
      email: string
      first_name: string
      last_name: string
      status: Status
    }>()
    const slim = createRepository(db, shop, 'users', { omit: ['created_at', 'updated_at', 'status'] })
    expectTypeOf(await slim.findByIdOrThrow(1)).toEqualTypeOf<{
      id: number
      email: string
      first_name: string
      last_name: string
    }>()
    expectTypeOf(slim).toEqualTypeOf<
      Repository<DB, 'users', typeof shop, 'created_at' | 'updated_at' | 'status'>
    >()
  })

  it('types loaded relations: hasMany as arrays, belongsTo and hasOne as row or null, nested', async () => {
    const user = await users.findByIdOrThrow(1, {
      select: ['id', 'email'],
      with: {
        orders: { where: { status: 'completed' }, select: ['id', 'total'], with: { items: true } },
        account: { select: ['balance'] },
      },
    })
    expectTypeOf(user).toEqualTypeOf<{
      id: number
      email: string
      orders: {
        id: string
        total: string
        items: { id: string; order_id: string; product_name: string; quantity: number; price: string }[]
      }[]
      account: { balance: string } | null
    }>()
    const orders = createRepository(db, shop, 'orders')
    const [order] = await orders.findMany({ limit: 1, with: { user: { select: ['email'] } } })
    expectTypeOf(order!.user).toEqualTypeOf<{ email: string } | null>()
    expectTypeOf(order!.status).toEqualTypeOf<OrderStatus>()
  })

  it('types where callbacks, also in relations', async () => {
    await users.findMany({
      where: (eb) => eb('created_at', '>=', new Date()),
      with: { orders: { where: (eb) => eb('status', '!=', 'cancelled') } },
    })
    // @ts-expect-error not a column of users
    await users.findMany({ where: (eb) => eb('nope', '=', 1) })
    // @ts-expect-error status is an enum
    await users.findOne({ status: 'deleted' })
  })

  it('types pages', async () => {
    expectTypeOf(await users.page({ select: ['id'] })).toEqualTypeOf<PageResult<{ id: number }>>()
    expectTypeOf(await users.paginate({ select: ['id'], after: null })).toEqualTypeOf<
      KeysetPage<{ id: number }>
    >()
  })

  it('refuses unknown columns, relations and wrong input at compile time', async () => {
    // @ts-expect-error not a column
    await users.findById(1, { select: ['nope'] })
    // @ts-expect-error not a relation of users
    await users.findById(1, { with: { items: true } })
    // @ts-expect-error first_name is required
    await users.create({ email: 'a@b.c', last_name: 'B' })
    // @ts-expect-error quantity is a number
    await createRepository(db, shop, 'order_items').update('1', { quantity: 'many' })
    // @ts-expect-error not a table of the schema
    createRepository(db, shop, 'nope')
    // @ts-expect-error omit names columns
    createRepository(db, shop, 'users', { omit: ['nope'] })
  })

  it('works on a transaction', () => {
    expectTypeOf(createRepository(trx, shop, 'users')).toEqualTypeOf<
      Repository<DB, 'users', typeof shop, never>
    >()
    expectTypeOf(users.withExecutor(trx)).toEqualTypeOf<typeof users>()
  })

  it('types keys: a BIGINT key takes a string, a number or a bigint', async () => {
    const orders = createRepository(db, shop, 'orders')
    await orders.findById('1')
    await orders.findById(1n)
    await orders.findById(1)
    // @ts-expect-error users.id is an int
    await users.findById(1n)
  })
})
