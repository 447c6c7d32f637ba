// #region repositories
import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import {
  createRepository,
  InvalidCursorError,
  InvalidFilterError,
  InvalidPageError,
  InvalidSortError,
  UniqueViolationError,
  ValidationError,
} from 'kysely-toolkit'
import { z } from 'zod'
import type { DB } from '../../example/generated/db.js' // your generated types (kysely-toolkit codegen)
import { shop } from '../../example/shop-schema.js' // your repository schema (docs/repositories.md)

/**
 * The shop's repositories, made once at startup (options are checked and resolved here). Inside a transaction use
 * `repository.withExecutor(trx)`.
 */
export function createShopRepositories(db: Kysely<DB>) {
  const users = createRepository(db, shop, 'users', {
    // Run after the generated schema on every write; the output is what is stored.
    refine: { email: z.email({ error: 'must be an email address' }).toLowerCase() },
    // What a client may sort and filter by (public name → column).
    sortable: { createdAt: 'created_at', email: 'email', lastName: 'last_name' },
    filterable: {
      status: ['eq', 'in'],
      createdAt: { column: 'created_at', operators: ['gte', 'lt'] },
      email: { column: 'email', operators: ['contains'] },
    },
    defaultSort: '-createdAt',
    // Signs pagination cursors. From the environment in production (shared by every instance); a random one
    // otherwise, so cursors simply expire when the process restarts. Never a literal in the code.
    cursorSecret: process.env.CURSOR_SECRET ?? randomBytes(32).toString('base64'),
  })
  const orders = createRepository(db, shop, 'orders')
  const orderItems = createRepository(db, shop, 'order_items')
  return { users, orders, orderItems }
}

export type ShopRepositories = ReturnType<typeof createShopRepositories>
// #endregion repositories

// #region get-user-with-orders
/**
 * A user with their completed orders and each order's items; the password hash is never read (the schema hides
 * it). Three queries whatever the number of orders: the user, the orders, the items.
 */
export async function getUserWithOrders({ users }: ShopRepositories, userId: number) {
  return users.findById(userId, {
    with: { orders: { where: { status: 'completed' }, sort: '-created_at', with: { items: true } } },
  })
}
// #endregion get-user-with-orders

// #region register-user
/** The answer of an HTTP handler: a status and a JSON body. */
export interface Answer {
  readonly status: number
  readonly body: unknown
}

/** POST /users: validated before any SQL; a taken email is a 409 naming the field. */
export async function registerUser({ users }: ShopRepositories, body: unknown): Promise<Answer> {
  try {
    const user = await users.create(body as never)
    return { status: 201, body: user }
  } catch (error) {
    if (ValidationError.is(error)) return { status: 400, body: { problems: error.issues } }
    if (UniqueViolationError.is(error) && error.columns?.includes('email')) {
      return { status: 409, body: { problems: [{ path: ['email'], message: 'is already registered' }] } }
    }
    throw error
  }
}
// #endregion register-user

// #region list-users
/**
 * GET /users?status[in]=active,inactive&sort=-createdAt&limit=20&after=...: filter, sort and cursor come from the
 * query string; anything not whitelisted is a 400 with a message that says what is allowed.
 */
export async function listUsers(
  { users }: ShopRepositories,
  query: Record<string, unknown>,
): Promise<Answer> {
  const { sort, after, limit, ...filter } = query
  try {
    const page = await users.paginate({
      where: users.parseFilter(filter),
      sort,
      after: typeof after === 'string' ? after : undefined,
      limit: typeof limit === 'string' ? limit : undefined,
      select: ['id', 'email', 'first_name', 'last_name', 'status', 'created_at'],
    })
    return { status: 200, body: page }
  } catch (error) {
    if (
      InvalidFilterError.is(error) ||
      InvalidSortError.is(error) ||
      InvalidCursorError.is(error) ||
      InvalidPageError.is(error)
    ) {
      return { status: 400, body: { error: error.message } }
    }
    throw error
  }
}
// #endregion list-users

// #region place-order
/** Creates a user's order with its items in one transaction: every repository runs on the transaction. */
export async function placeOrder(
  db: Kysely<DB>,
  repositories: ShopRepositories,
  userId: number,
  items: readonly { product_name: string; quantity: number; price: string }[],
) {
  return db.transaction().execute(async (trx) => {
    const orders = repositories.orders.withExecutor(trx)
    const orderItems = repositories.orderItems.withExecutor(trx)
    const total = items.reduce((sum, item) => sum + Number(item.price) * item.quantity, 0).toFixed(2)
    const order = await orders.create({ user_id: userId, total })
    await orderItems.createMany(items.map((item) => ({ ...item, order_id: order.id })))
    return orders.findByIdOrThrow(order.id, { with: { items: true } })
  })
}
// #endregion place-order
