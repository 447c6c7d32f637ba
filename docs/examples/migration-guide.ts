// Each region answers one pattern of the seed guide (Sequelize, TypeORM and plain mysql2) the toolkit's way.
// test/integration/docs/migration-guide.test.ts runs every function here against a real server.
import type { Kysely } from 'kysely'
import {
  createDatabase,
  createRepository,
  type Database,
  databaseOptionsFromEnv,
  InvalidSortError,
  UniqueViolationError,
} from 'kysely-toolkit'
import { createTestDatabase } from 'kysely-toolkit/testing'
import { z } from 'zod'
import type { DB } from '../../example/generated/db.js' // your generated types (kysely-toolkit codegen)
import { shop } from '../../example/shop-schema.js' // your repository schema (docs/repositories.md)
import { transferFunds } from './transfer-funds.js'

// #region connection
/** new Sequelize(..., { pool: { max: 10, acquire: 30000, idle: 10000 } }) becomes: */
export function connect(env: Record<string, string | undefined> = process.env): Database<DB> {
  return createDatabase<DB>({
    ...databaseOptionsFromEnv(env), // DATABASE_URL or DB_HOST/DB_PORT/DB_USER/DB_PASSWORD/DB_NAME
    pool: { max: 10, acquireTimeoutMs: 30_000, idleTimeoutMs: 10_000 },
  })
}
// #endregion connection

// #region repositories
/**
 * User.findByPk / userRepo.findOne / a hand-written UserRepository become one repository per table, typed by the
 * generated DB and checked by the generated zod schemas; `isEmail` becomes a refinement.
 */
export function createRepositories(db: Kysely<DB>) {
  return {
    users: createRepository(db, shop, 'users', {
      refine: { email: z.email({ error: 'must be an email address' }) },
      sortable: { createdAt: 'created_at', email: 'email' },
    }),
    orders: createRepository(db, shop, 'orders'),
  }
}
// #endregion repositories

// #region create-user
/** Sequelize's `error.name === 'SequelizeUniqueConstraintError'` becomes a typed error that names the column. */
export async function createUser(
  { users }: ReturnType<typeof createRepositories>,
  data: { email: string; first_name: string; last_name: string },
) {
  try {
    return await users.create(data)
  } catch (error) {
    if (UniqueViolationError.is(error) && error.columns?.includes('email')) {
      throw new Error('Email already exists', { cause: error })
    }
    throw error
  }
}
// #endregion create-user

// #region get-user-with-orders
/**
 * findByPk(id, { include: [{ model: Order, where: { status: 'completed' }, include: ['orderItems'] }],
 * attributes: { exclude: ['password'] } }) becomes (three queries whatever the number of orders; the schema hides
 * password_hash from every read):
 */
export function getUserWithOrders({ users }: ReturnType<typeof createRepositories>, userId: number) {
  return users.findById(userId, {
    with: { orders: { where: { status: 'completed' }, with: { items: true } } },
  })
}
// #endregion get-user-with-orders

// #region update
/**
 * The hand-written `update(id, userData)` that concatenated `${key} = ?` for every key of the input becomes: only
 * known columns, only defined values, validated first; an empty patch writes nothing.
 */
export function renameUser({ users }: ReturnType<typeof createRepositories>, id: number, lastName: string) {
  return users.update(id, { last_name: lastName })
}
// #endregion update

// #region safe-sort
/** `ORDER BY ${req.query.sort}` becomes a whitelist: anything else is a typed error, never SQL. */
export async function listUsers({ users }: ReturnType<typeof createRepositories>, sort: unknown) {
  try {
    return await users.findMany({ sort, limit: 20, select: ['id', 'email'] })
  } catch (error) {
    if (InvalidSortError.is(error)) return { status: 400, error: error.message }
    throw error
  }
}
// #endregion safe-sort

// #region unit-of-work
/** The UnitOfWork class with beginTransaction/commit/rollback becomes one call; deadlocks are retried. */
export function moveMoney(db: Kysely<DB>, from: number, to: number) {
  return transferFunds(db, from, to, '25.00')
}
// #endregion unit-of-work

// #region health
/** checkDatabaseHealth() with getConnection/ping/release becomes: (never throws; bounded in time) */
export async function readiness(database: Database<DB>) {
  const report = await database.health({ timeoutMs: 1_000 })
  return { status: report.status === 'healthy' ? 200 : 503, body: report }
}
// #endregion health

// #region test-database
/** The TestDatabase class (CREATE DATABASE test_${Date.now()}, migrate, drop) becomes: */
export async function withShopDatabase<T>(
  serverUrl: string,
  work: (db: Kysely<DB>) => Promise<T>,
): Promise<T> {
  await using test = await createTestDatabase<DB>({ serverUrl, migrations: './example/migrations' })
  return await work(test.db) // dropped when this scope ends (await first!), even if work() throws
}
// #endregion test-database
