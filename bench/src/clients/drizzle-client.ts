import { and, asc, eq, gt, gte, lte, or, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/mysql2'
import { createPool } from 'mysql2'
import { type BenchClient, type ClientContext, EAGER_USERS, PAGE_SIZE, transferSteps } from '../client.ts'
import * as schema from './drizzle-schema.ts'

const { users, accounts, accountTransactions } = schema

/**
 * Drizzle ORM on a mysql2 pool. Its relational query API builds eager loads with LATERAL joins in the default
 * mode, which MariaDB lacks; `mode: 'planetscale'` builds them with correlated JSON subqueries instead.
 */
export function createDrizzleClient(context: ClientContext): BenchClient {
  const pool = createPool({
    host: context.host,
    port: context.port,
    user: context.user,
    password: context.password,
    database: context.database,
    connectionLimit: context.poolSize,
    timezone: 'Z',
  })
  const db = drizzle({ client: pool, schema, mode: 'planetscale' })
  return {
    id: 'drizzle',
    encryptsSsn: false,
    notes: [
      "drizzle-orm/mysql2, `mode: 'planetscale'` (the default mode's LATERAL joins do not run on MariaDB)",
      'eager loading: relational query API `db.query.users.findMany({ with: { orders: true } })` (one query, a correlated JSON subquery per user; ordering the nested orders correlates a derived table, which MariaDB rejects)',
      'transfer: `db.transaction(async (tx) => ...)`',
    ],
    async findUser(id) {
      const [row] = await db.select().from(users).where(eq(users.id, id))
      return row
    },
    listUsers: (offset) =>
      db.select().from(users).orderBy(asc(users.createdAt), asc(users.id)).limit(PAGE_SIZE).offset(offset),
    usersAfter: (cursor) =>
      db
        .select()
        .from(users)
        .where(
          or(
            gt(users.createdAt, cursor.createdAt),
            and(eq(users.createdAt, cursor.createdAt), gt(users.id, cursor.id)),
          ),
        )
        .orderBy(asc(users.createdAt), asc(users.id))
        .limit(PAGE_SIZE),
    insertUser: (user) =>
      db.insert(users).values({
        email: user.email,
        firstName: user.firstName,
        lastName: user.lastName,
        ssn: user.ssn,
      }),
    usersWithOrders: (firstId) =>
      db.query.users.findMany({
        where: and(gte(users.id, firstId), lte(users.id, firstId + EAGER_USERS - 1)),
        orderBy: asc(users.id),
        // Ordering the nested relation makes Drizzle correlate a derived table, which MariaDB cannot.
        with: { orders: true },
      }),
    transfer: (from, to, amount) =>
      db.transaction(async (tx) => {
        for (const step of transferSteps(from, to)) {
          await tx
            .update(accounts)
            .set({
              balance:
                step.sign < 0 ? sql`${accounts.balance} - ${amount}` : sql`${accounts.balance} + ${amount}`,
            })
            .where(eq(accounts.id, step.id))
        }
        await tx
          .insert(accountTransactions)
          .values({ fromAccountId: from, toAccountId: to, amount, type: 'transfer' })
      }),
    async probe() {
      const lateral = drizzle({ client: pool, schema, mode: 'default' })
      try {
        await lateral.query.users.findMany({ where: eq(users.id, 1), with: { orders: true } })
        return ["the default mode's LATERAL query ran here"]
      } catch (error) {
        const code = (error as { cause?: { code?: string } }).cause?.code ?? String(error)
        return [`the default mode's LATERAL query fails here (${code})`]
      }
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        pool.end((error) => (error ? reject(error) : resolve()))
      }),
  }
}
