import type { Kysely, Transaction } from 'kysely'
import { describe, expectTypeOf, it } from 'vitest'
import type { DB } from '../../example/generated/db.js'
import {
  closeOnSignals,
  createReplicatedDatabase,
  type Database,
  type HealthReport,
  type PoolStats,
  type ReplicaStatus,
  type ReplicatedDatabase,
  type ReplicatedHealthReport,
  routeToPrimary,
  routeToReplica,
  withConsistencyScope,
  withPrimary,
} from '../../src/index.js'

describe('createReplicatedDatabase types', () => {
  const options = { primary: { url: 'mysql://p/d' }, replicas: [{ url: 'mysql://r/d' }] }

  it('gives a Kysely typed by the generated DB, and stands wherever a Database is expected', () => {
    const database = createReplicatedDatabase<DB>(options)
    expectTypeOf(database).toEqualTypeOf<ReplicatedDatabase<DB>>()
    expectTypeOf(database).toExtend<Database<DB>>()
    expectTypeOf(database.db).toEqualTypeOf<Kysely<DB>>()
    expectTypeOf(database.health()).resolves.toEqualTypeOf<ReplicatedHealthReport>()
    expectTypeOf<ReplicatedHealthReport>().toExtend<HealthReport>()
    expectTypeOf(database.poolStats()).toExtend<PoolStats>()
    expectTypeOf(database.replicaStatus()).toEqualTypeOf<readonly ReplicaStatus[]>()
    closeOnSignals(database)
  })

  it('rejects connection fields at the top level and unknown replication options', () => {
    // @ts-expect-error the connection is given per server
    createReplicatedDatabase<DB>({ ...options, url: 'mysql://p/d' })
    // @ts-expect-error readYourWritesMs is a number
    createReplicatedDatabase<DB>({ ...options, replication: { readYourWritesMs: '2s' } })
    // @ts-expect-error selectReplica is a function
    createReplicatedDatabase<DB>({ ...options, replication: { selectReplica: 'round-robin' } })
  })

  it('keeps the executor type through route hints and scopes', async () => {
    const { db } = createReplicatedDatabase<DB>(options)
    expectTypeOf(routeToPrimary(db)).toEqualTypeOf<Kysely<DB>>()
    expectTypeOf(routeToReplica(db)).toEqualTypeOf<Kysely<DB>>()
    await db.transaction().execute(async (trx) => {
      expectTypeOf(routeToPrimary(trx)).toEqualTypeOf<Transaction<DB>>()
    })
    const users = await withConsistencyScope(() => db.selectFrom('users').select('email').execute())
    expectTypeOf(users).toEqualTypeOf<{ email: string }[]>()
    expectTypeOf(withPrimary(() => 42)).toEqualTypeOf<number>()
  })
})
