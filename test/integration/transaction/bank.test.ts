import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { lockingReadTransfer, naiveTransfer } from '../../../docs/examples/lost-update.js'
import { transferFunds } from '../../../docs/examples/transfer-funds.js'
import type { DB } from '../../../example/generated/db.js'
import { seedShop } from '../../../example/seed.js'
import { transaction } from '../../../src/index.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/index.js'
import { EXAMPLE_MIGRATIONS } from '../../helpers/paths.js'
import { seededRandom } from '../../helpers/seeded-random.js'
import { withSuitePlugins } from '../../helpers/suite-plugins.js'
import {
  afterCommitCount,
  auditBank,
  describeRun,
  type PlannedTransfer,
  planTransfers,
  resetBank,
  runBank,
  type TransferRunner,
  transferInGivenOrder,
} from './bank-harness.js'

const ACCOUNTS = 100
const WORKERS = 16
const OPENING = '1000.00'
const OPENING_CENTS = 100_000

let test: TestDatabase<DB>
let accountIds: number[]
let transfers: PlannedTransfer[]

beforeAll(async () => {
  test = await createTestDatabase<DB>({
    serverUrl: inject('serverUrl'),
    migrations: EXAMPLE_MIGRATIONS,
    seed: (db) => seedShop(db, { users: ACCOUNTS, ordersPerUser: 0, openingBalance: OPENING }),
    prefix: 'ktbank',
    databaseOptions: withSuitePlugins({ pool: { max: WORKERS + 4 } }),
  })
  accountIds = (await test.db.selectFrom('accounts').select('id').orderBy('id').execute()).map(
    (row) => row.id,
  )
  // A quarter of the transfers run between 4 hot accounts, where opposite transfers meet.
  transfers = planTransfers(accountIds, {
    count: 5_000,
    hotShare: 0.25,
    hotAccounts: 4,
    random: seededRandom(7),
  })
})

afterAll(() => test?.destroy())

/** Every third transfer locks in the order given (deadlock-prone); the rest use the documented transferFunds. */
const mixedRunner: TransferRunner = (db, transfer, hooks) =>
  transfer.index % 3 === 0
    ? transaction(
        db,
        async (trx, { afterCommit }) => {
          afterCommit(() => {
            afterCommitCount.value++
          })
          await transferInGivenOrder(trx, transfer.from, transfer.to, transfer.amount)
        },
        hooks,
      )
    : transferFunds(db, transfer.from, transfer.to, transfer.amount, hooks).then(() => {
        afterCommitCount.value++
      })

const throughTransaction =
  (work: typeof naiveTransfer): TransferRunner =>
  (db, transfer, hooks) =>
    transaction(
      db,
      async (trx, { afterCommit }) => {
        afterCommit(() => {
          afterCommitCount.value++
        })
        await work(trx, transfer.from, transfer.to, transfer.amount)
      },
      hooks,
    )

describe('the bank: 100 accounts, 16 workers, 5,000 transfers', () => {
  it('keeps every cent while real deadlocks are retried', async () => {
    await resetBank(test.db, OPENING)
    const run = await runBank(test.db, transfers, WORKERS, mixedRunner)
    const audit = await auditBank(test.db, OPENING_CENTS, run.applied)
    console.log(describeRun('toolkit transfers', run, audit))
    expect(run.otherErrors).toEqual([])
    expect(run.counts.retries.deadlock).toBeGreaterThan(0)
    expect(run.applied.length + run.refused + run.exhausted).toBe(transfers.length)
    expect(run.applied.length).toBeGreaterThan(transfers.length * 0.9)
    expect(audit).toEqual({
      totalCents: ACCOUNTS * OPENING_CENTS,
      expectedTotalCents: ACCOUNTS * OPENING_CENTS,
      mismatchedAccounts: 0,
      driftCents: 0,
      strayLedgerRows: 0,
      missingLedgerRows: 0,
    })
    // afterCommit ran exactly once per committed transfer, never for retried attempts.
    expect(run.afterCommits).toBe(run.applied.length)
    expect(run.counts.settled.committed).toBe(run.applied.length)
  }, 90_000)

  it('catches the naive read-then-write transfer losing updates, or the server refusing them', async () => {
    await resetBank(test.db, OPENING)
    // MariaDB 11.6+ with innodb_snapshot_isolation (on by default from 11.8) refuses to write a row that another
    // transaction changed since this one's snapshot (error 1020); elsewhere the naive transfer loses updates.
    const { rows } = await sql<{ Value: string }>`show variables like 'innodb_snapshot_isolation'`.execute(
      test.db,
    )
    const snapshotIsolation = rows[0]?.Value === 'ON'
    const run = await runBank(test.db, transfers, WORKERS, throughTransaction(naiveTransfer))
    const audit = await auditBank(test.db, OPENING_CENTS, run.applied)
    console.log(describeRun('naive transfers', run, audit))
    expect(run.otherErrors).toEqual([])
    // Every transfer that committed has its ledger row.
    expect(audit.strayLedgerRows).toBe(0)
    expect(audit.missingLedgerRows).toBe(0)
    if (snapshotIsolation) {
      // The refused writes are retried as `serialization`, and nothing is lost.
      expect(run.counts.retries.serialization).toBeGreaterThan(0)
      expect(audit.mismatchedAccounts).toBe(0)
      expect(audit.driftCents).toBe(0)
    } else {
      // Balances disagree with the ledger: lost updates.
      expect(audit.mismatchedAccounts).toBeGreaterThan(0)
      expect(audit.driftCents).toBeGreaterThan(0)
    }
  }, 90_000)

  it('never loses one with locking reads in a consistent order', async () => {
    await resetBank(test.db, OPENING)
    const run = await runBank(test.db, transfers, WORKERS, throughTransaction(lockingReadTransfer))
    const audit = await auditBank(test.db, OPENING_CENTS, run.applied)
    console.log(describeRun('locking-read transfers', run, audit))
    expect(run.otherErrors).toEqual([])
    expect(audit).toMatchObject({
      mismatchedAccounts: 0,
      driftCents: 0,
      strayLedgerRows: 0,
      missingLedgerRows: 0,
    })
    expect(audit.totalCents).toBe(ACCOUNTS * OPENING_CENTS)
    expect(run.afterCommits).toBe(run.applied.length)
  }, 90_000)
})
