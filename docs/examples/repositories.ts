// The examples of docs/repositories.md and docs/errors.md, run by docs/examples/repositories.test.ts.
// #region quick-start
import type { Kysely } from 'kysely'
import { createRepository, UniqueViolationError } from 'kysely-toolkit'
import type { DB } from '../../example/generated/db.js' // your generated types (kysely-toolkit codegen)
import { shop } from '../../example/shop-schema.js' // your repository schema (see "The schema, declared once")

export async function firstSteps(db: Kysely<DB>) {
  const users = createRepository(db, shop, 'users')

  const user = await users.create({ email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' })
  const same = await users.findById(user.id) // { id, email, first_name, last_name, status, created_at, updated_at }
  const page = await users.paginate({ sort: '-created_at', limit: 20 }) // { items, nextCursor }
  return { user, same, page }
}
// #endregion quick-start

// #region narrowed-read
export function userWithCompletedOrders(db: Kysely<DB>, id: number) {
  const users = createRepository(db, shop, 'users')
  return users.findByIdOrThrow(id, {
    select: ['id', 'email'],
    with: { orders: { where: { status: 'completed' }, select: ['id', 'total'], with: { items: true } } },
  })
  // Promise<{ id: number; email: string; orders: { id: string; total: string; items: OrderItem[] }[] }>
}
// #endregion narrowed-read

// #region unique-violation
/** Registers a user; a taken e-mail address is an answer, not a crash. */
export async function register(db: Kysely<DB>, email: string) {
  const users = createRepository(db, shop, 'users')
  try {
    return await users.create({ email, first_name: 'Ada', last_name: 'Lovelace' })
  } catch (error) {
    if (UniqueViolationError.is(error)) {
      // error.columns: ['email']; error.index: 'email' on MariaDB (MySQL 8 names it users.email)
      return { taken: error.columns }
    }
    throw error
  }
}
// #endregion unique-violation

// #region create-key-only
/** Imports rows where only the new keys matter: one INSERT each, no read-back, on MySQL and MariaDB alike. */
export async function importUsers(db: Kysely<DB>, emails: readonly string[]): Promise<number[]> {
  const users = createRepository(db, shop, 'users')
  const ids: number[] = []
  for (const email of emails) {
    ids.push(await users.create({ email, first_name: 'Imported', last_name: 'User' }, { returning: false }))
  }
  return ids
}
// #endregion create-key-only
