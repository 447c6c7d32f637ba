import type { Kysely } from 'kysely'
import type { DB } from './generated/db.js'

/** How much example data {@link seedShop} writes. */
export interface SeedShopOptions {
  /** Users, each with one bank account. Defaults to `20`. */
  readonly users?: number
  /** Orders per user, each with two items. Defaults to `3`. */
  readonly ordersPerUser?: number
  /** Opening balance of every account. Defaults to `'1000.00'`. */
  readonly openingBalance?: string
}

const FIRST_NAMES = [
  'Ada',
  'Grace',
  'Alan',
  'Edsger',
  'Barbara',
  'Donald',
  'Frances',
  'Ken',
  'Margaret',
  'Dennis',
]
const LAST_NAMES = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Allen',
  'Thompson',
  'Hamilton',
]
const ORDER_STATUSES = ['pending', 'completed', 'cancelled'] as const

/**
 * The name the seed gives its `index`-th user (from 0): a few famous names, repeating.
 *
 * @example
 * ```ts
 * seededName(0) // { first_name: 'Ada', last_name: 'Lovelace' }
 * ```
 */
export function seededName(index: number): { first_name: string; last_name: string } {
  return {
    first_name: FIRST_NAMES[index % FIRST_NAMES.length]!,
    last_name: LAST_NAMES[index % LAST_NAMES.length]!,
  }
}

/**
 * The status of a seeded order: the `orderIndex`-th order (from 0) of the `userIndex`-th user.
 *
 * @example
 * ```ts
 * seededOrderStatus(0, 1) // 'completed'
 * ```
 */
export function seededOrderStatus(userIndex: number, orderIndex: number): (typeof ORDER_STATUSES)[number] {
  return ORDER_STATUSES[(userIndex + orderIndex) % ORDER_STATUSES.length]!
}

/**
 * Fills the example shop and bank with deterministic data: users (user1@example.com ...), their orders with
 * items, and one account per user. Run it on a freshly migrated database.
 *
 * @example
 * ```ts
 * import { seedShop } from './example/seed.js'
 *
 * await seedShop(db, { users: 50 })
 * ```
 */
export async function seedShop(db: Kysely<DB>, options: SeedShopOptions = {}): Promise<void> {
  const userCount = options.users ?? 20
  const ordersPerUser = options.ordersPerUser ?? 3
  const openingBalance = options.openingBalance ?? '1000.00'
  if (userCount === 0) return
  const base = Date.UTC(2024, 0, 1)
  await db
    .insertInto('users')
    .values(
      Array.from({ length: userCount }, (_, index) => ({
        email: `user${index + 1}@example.com`,
        ...seededName(index),
        status:
          index % 10 === 9
            ? ('suspended' as const)
            : index % 5 === 4
              ? ('inactive' as const)
              : ('active' as const),
        created_at: new Date(base + index * 60_000),
        updated_at: new Date(base + index * 60_000),
      })),
    )
    .execute()
  const users = await db.selectFrom('users').select('id').orderBy('id').execute()
  await db
    .insertInto('accounts')
    .values(users.map((user) => ({ owner_id: user.id, balance: openingBalance })))
    .execute()
  if (ordersPerUser === 0) return
  await db
    .insertInto('orders')
    .values(
      users.flatMap((user, userIndex) =>
        Array.from({ length: ordersPerUser }, (_, orderIndex) => ({
          user_id: user.id,
          status: seededOrderStatus(userIndex, orderIndex),
          total: ((orderIndex + 1) * 12.5 + 2 * 3.25).toFixed(2),
          created_at: new Date(base + userIndex * 60_000 + orderIndex * 1_000),
        })),
      ),
    )
    .execute()
  const orders = await db.selectFrom('orders').select('id').orderBy('id').execute()
  await db
    .insertInto('order_items')
    .values(
      orders.flatMap((order, index) => [
        {
          order_id: order.id,
          product_name: `Notebook ${(index % 7) + 1}`,
          quantity: (index % 3) + 1,
          price: '12.50',
        },
        { order_id: order.id, product_name: 'Pencil', quantity: 2, price: '3.25' },
      ]),
    )
    .execute()
}
