import type { Kysely } from 'kysely'
import type { DB } from '../../../example/generated/db.ts'
import { attachOrders } from '../attach-orders.ts'
import {
  EAGER_USERS,
  type KeysetCursor,
  type NewUser,
  PAGE_SIZE,
  transferSteps,
  type UserWithOrders,
} from '../client.ts'

/**
 * The operations as a Kysely user writes them, shared by the bare-Kysely and kysely-toolkit clients so that those
 * differ only in what sits under and around the query builder.
 */

export function findUser(db: Kysely<DB>, id: number) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
}

export function listUsers(db: Kysely<DB>, offset: number) {
  return db
    .selectFrom('users')
    .selectAll()
    .orderBy('created_at')
    .orderBy('id')
    .limit(PAGE_SIZE)
    .offset(offset)
    .execute()
}

/** Keyset pagination by hand: `created_at > ? or (created_at = ? and id > ?)`. */
export function usersAfter(db: Kysely<DB>, cursor: KeysetCursor) {
  return db
    .selectFrom('users')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('created_at', '>', cursor.createdAt),
        eb.and([eb('created_at', '=', cursor.createdAt), eb('id', '>', cursor.id)]),
      ]),
    )
    .orderBy('created_at')
    .orderBy('id')
    .limit(PAGE_SIZE)
    .execute()
}

export function insertUser(db: Kysely<DB>, user: NewUser) {
  return db
    .insertInto('users')
    .values({ email: user.email, first_name: user.firstName, last_name: user.lastName, ssn: user.ssn })
    .executeTakeFirstOrThrow()
}

/**
 * Two queries, the users then their orders by `user_id in (...)`, grouped in JavaScript. (Kysely's
 * `jsonArrayFrom` helper does not run on MariaDB, which cannot cast to JSON nor correlate a derived table.)
 */
export async function usersWithOrders(db: Kysely<DB>, firstId: number): Promise<UserWithOrders[]> {
  const users = await db
    .selectFrom('users')
    .selectAll()
    .where('id', '>=', firstId)
    .where('id', '<=', firstId + EAGER_USERS - 1)
    .orderBy('id')
    .execute()
  if (users.length === 0) return []
  const orders = await db
    .selectFrom('orders')
    .selectAll()
    .where(
      'user_id',
      'in',
      users.map((user) => user.id),
    )
    .orderBy('id')
    .execute()
  return attachOrders(users, orders)
}

/** The transfer's statements, for any transaction runner. */
export async function transferIn(trx: Kysely<DB>, from: number, to: number, amount: string): Promise<void> {
  for (const step of transferSteps(from, to)) {
    await trx
      .updateTable('accounts')
      .set((eb) => ({ balance: eb('balance', step.sign < 0 ? '-' : '+', amount) }))
      .where('id', '=', step.id)
      .execute()
  }
  await trx
    .insertInto('account_transactions')
    .values({ from_account_id: from, to_account_id: to, amount, type: 'transfer' })
    .execute()
}
