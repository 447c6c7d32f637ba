/**
 * The examples of docs/replicas.md: real code, run by docs/examples/replicas.test.ts against a real primary and
 * replica.
 */
// #region imports
import { type Kysely, sql } from 'kysely'
import {
  createReplicatedDatabase,
  type ReplicatedDatabase,
  routeToReplica,
  withConsistencyScope,
  withPrimary,
} from 'kysely-toolkit'
import { migrate } from 'kysely-toolkit/migration'
import type { DB } from '../../example/generated/db.js' // your generated types (kysely-toolkit codegen)
// #endregion imports

// #region create
export function openShopDatabase(env: { PRIMARY_URL: string; REPLICA_URLS: string }): ReplicatedDatabase<DB> {
  return createReplicatedDatabase<DB>({
    primary: { url: env.PRIMARY_URL },
    replicas: env.REPLICA_URLS.split(',').map((url) => ({ url })),
    pool: { max: 20 },
    replication: { readYourWritesMs: 2_000, maxLagSeconds: 10 },
  })
}
// #endregion create

// #region middleware
/** Express / Connect middleware: one consistency scope per request. */
export function consistencyPerRequest(_request: unknown, _response: unknown, next: () => void): void {
  withConsistencyScope(next)
}
// #endregion middleware

// #region read-your-writes
export async function renameUser(db: Kysely<DB>, id: number, firstName: string) {
  await db.updateTable('users').set({ first_name: firstName }).where('id', '=', id).execute()
  // In the request's consistency scope, this read goes to the primary: it sees the new name.
  return db.selectFrom('users').select(['id', 'first_name']).where('id', '=', id).executeTakeFirstOrThrow()
}
// #endregion read-your-writes

// #region with-primary
export function balanceOf(db: Kysely<DB>, accountId: number) {
  // A read that must be current: every query in the callback goes to the primary.
  return withPrimary(() =>
    db.selectFrom('accounts').select('balance').where('id', '=', accountId).executeTakeFirstOrThrow(),
  )
}
// #endregion with-primary

// #region raw-on-replica
export async function revenuePerStatus(db: Kysely<DB>) {
  // Raw SQL goes to the primary unless marked: this one only reads.
  const result = await sql<{ status: string; revenue: string }>`
    select status, sum(total) as revenue from orders group by status order by status
  `.execute(routeToReplica(db))
  return result.rows
}
// #endregion raw-on-replica

// #region migrate
export async function migrateAndSeed(
  database: ReplicatedDatabase<DB>,
  folder: string,
  seed: (db: Kysely<DB>) => Promise<void>,
): Promise<void> {
  // Migrations and seeds read what they just wrote: run them on the primary.
  await withPrimary(async () => {
    await migrate(database.db as Kysely<unknown>, { folder })
    await seed(database.db)
  })
}
// #endregion migrate

// #region readiness
export async function readiness(database: ReplicatedDatabase<DB>) {
  const report = await database.health({ timeoutMs: 1_000 })
  return {
    ready: report.status === 'healthy',
    replicas: report.replicas.map((replica) => `${replica.name}: ${replica.state}`),
  }
}
// #endregion readiness
