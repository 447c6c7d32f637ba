import type { Kysely } from 'kysely'
import type { DB } from '../../example/generated/db.ts'

/** The users' columns the repository reads by default (without the hidden `password_hash` and `ssn`). */
export const USER_COLUMNS = [
  'id',
  'email',
  'first_name',
  'last_name',
  'status',
  'created_at',
  'updated_at',
] as const
/** The orders' columns the per-area eager loads read. */
export const ORDER_COLUMNS = ['id', 'user_id', 'status', 'total', 'created_at'] as const

/**
 * Groups orders under their users by `user_id`, as an application does after loading users and then their orders
 * with one `IN` query; a user without orders gets an empty array. Shared by the bench's hand-written eager loads.
 *
 * @example
 * attachOrders([{ id: 1 }], [{ id: '7', user_id: 1 }]) // [{ id: 1, orders: [{ id: '7', user_id: 1 }] }]
 */
export function attachOrders<U extends { id: number }, O extends { user_id: number }>(
  users: readonly U[],
  orders: readonly O[],
): (U & { orders: O[] })[] {
  const byUser = new Map<number, O[]>()
  for (const order of orders) {
    const list = byUser.get(order.user_id)
    if (list === undefined) byUser.set(order.user_id, [order])
    else list.push(order)
  }
  return users.map((user) => ({ ...user, orders: byUser.get(user.id) ?? [] }))
}

/**
 * The eager load the repository's `findMany({ limit: 50, with: { orders: true } })` does, written in bare Kysely:
 * 50 users from `fromId` on, then their orders with one `IN` query, grouped in JavaScript.
 *
 * @example
 * const users = await usersWithOrdersByHand(db, 1) // [{ id: 1, ..., orders: [...] }, ...]
 */
export async function usersWithOrdersByHand(db: Kysely<DB>, fromId: number) {
  const rows = await db
    .selectFrom('users')
    .select(USER_COLUMNS)
    .where('id', '>=', fromId)
    .orderBy('id')
    .limit(50)
    .execute()
  const orders = await db
    .selectFrom('orders')
    .select(ORDER_COLUMNS)
    .where(
      'user_id',
      'in',
      rows.map((row) => row.id),
    )
    .orderBy('id')
    .execute()
  return attachOrders(rows, orders)
}
