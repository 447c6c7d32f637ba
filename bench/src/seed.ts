import type { Kysely } from 'kysely'
import type { DB } from '../../example/generated/db.ts'
import { seededName, seededOrderStatus } from '../../example/seed.ts'

/** How much data the bench writes: the 10,000 users and 50,000 orders, and one account per user. */
export const SEED = Object.freeze({ users: 10_000, ordersPerUser: 5, openingBalance: '1000000.00' })

const BATCH = 2_000

/** The SSN every seeded and inserted user gets (encrypted at rest by the seed's encryption plugin). */
export function ssnOf(index: number): string {
  return `${String(100 + (index % 900)).padStart(3, '0')}-${String(index % 100).padStart(2, '0')}-${String(index % 10_000).padStart(4, '0')}`
}

/**
 * Fills the example schema deterministically: users with distinct `created_at` one minute apart (so the sort
 * `created_at, id` is the insertion order), `ssn` written through the encryption plugin of `db`, five orders per
 * user, one account per user. Ids are 1..N in a fresh database.
 */
export async function seedBench(db: Kysely<DB>): Promise<void> {
  const base = Date.UTC(2024, 0, 1)
  for (let start = 0; start < SEED.users; start += BATCH) {
    const count = Math.min(BATCH, SEED.users - start)
    await db
      .insertInto('users')
      .values(
        Array.from({ length: count }, (_, offset) => {
          const index = start + offset
          return {
            email: `user${index + 1}@example.com`,
            ...seededName(index),
            status: index % 10 === 9 ? ('suspended' as const) : ('active' as const),
            ssn: ssnOf(index),
            created_at: new Date(base + index * 60_000),
            updated_at: new Date(base + index * 60_000),
          }
        }),
      )
      .execute()
  }
  for (let start = 0; start < SEED.users; start += BATCH) {
    const count = Math.min(BATCH, SEED.users - start)
    await db
      .insertInto('accounts')
      .values(
        Array.from({ length: count }, (_, offset) => ({
          owner_id: start + offset + 1,
          balance: SEED.openingBalance,
        })),
      )
      .execute()
    await db
      .insertInto('orders')
      .values(
        Array.from({ length: count * SEED.ordersPerUser }, (_, offset) => {
          const userIndex = start + Math.floor(offset / SEED.ordersPerUser)
          const orderIndex = offset % SEED.ordersPerUser
          return {
            user_id: userIndex + 1,
            status: seededOrderStatus(userIndex, orderIndex),
            total: ((orderIndex + 1) * 12.5).toFixed(2),
            created_at: new Date(base + userIndex * 60_000 + orderIndex * 1_000),
          }
        }),
      )
      .execute()
  }
}
