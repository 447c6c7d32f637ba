import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Connection, createConnection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { DB } from '../../../example/generated/db.js'
import { seedShop } from '../../../example/seed.js'
import { createBackup, restoreBackup } from '../../../src/backup/index.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/test-database.js'
import { EXAMPLE_MIGRATIONS } from '../../helpers/paths.js'
import { dropDatabases } from './compare.js'

const serverUrl = inject('serverUrl')
const ACCOUNTS = 40
const WRITERS = 8
const BACKUPS = 20
let test: TestDatabase<DB>
let directory: string

beforeAll(async () => {
  test = await createTestDatabase<DB>({
    serverUrl,
    migrations: EXAMPLE_MIGRATIONS,
    seed: (db) => seedShop(db, { users: ACCOUNTS, ordersPerUser: 1, openingBalance: '1000.00' }),
  })
  directory = await mkdtemp(join(tmpdir(), 'kt-bank-'))
})

afterAll(async () => {
  await test?.destroy()
  if (directory) await rm(directory, { recursive: true, force: true })
})

/** One writer: atomic transfers between random accounts, each with its ledger row, until told to stop. */
async function transferLoop(connection: Connection, shouldStop: () => boolean, counter: { done: number }) {
  while (!shouldStop()) {
    const from = 1 + Math.floor(Math.random() * ACCOUNTS)
    const to = 1 + ((from + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS)
    const amount = (1 + Math.floor(Math.random() * 5000)) / 100
    try {
      await connection.query('START TRANSACTION')
      // Lock in id order so writers do not deadlock each other.
      for (const [id, delta] of from < to
        ? [
            [from, -amount],
            [to, amount],
          ]
        : [
            [to, amount],
            [from, -amount],
          ]) {
        await connection.query('UPDATE accounts SET balance = balance + ? WHERE id = ?', [delta, id])
      }
      await connection.query(
        "INSERT INTO account_transactions (from_account_id, to_account_id, amount, type) VALUES (?, ?, ?, 'transfer')",
        [from, to, amount],
      )
      await connection.query('COMMIT')
      counter.done++
    } catch (error) {
      await connection.query('ROLLBACK').catch(() => {})
      if ((error as { errno?: number }).errno !== 1213) throw error
    }
  }
}

describe('backups under concurrent bank transfers', () => {
  it(`takes ${BACKUPS} backups while ${WRITERS} writers transfer money; every restore balances to the cent`, async () => {
    const url = new URL(serverUrl)
    url.pathname = `/${test.name}`
    const writers = await Promise.all(
      Array.from({ length: WRITERS }, () => createConnection({ uri: url.toString(), decimalNumbers: false })),
    )
    let stop = false
    const counter = { done: 0 }
    const loops = writers.map((connection) => transferLoop(connection, () => stop, counter))
    const ledgerSizes: number[] = []
    try {
      await new Promise((resolve) => setTimeout(resolve, 200))
      for (let index = 0; index < BACKUPS; index++) {
        const before = counter.done
        const backup = await createBackup(test.database, {
          directory,
          parallel: index % 4 === 3 ? 1 : 2 + (index % 3),
          statementBytes: 4096,
          // Eight writers back to back can keep LOCK TABLES waiting (seen on MariaDB 11.8): fall back to one
          // connection after 2 s instead of the default 10, so 20 backups fit the test's time. Either way the
          // snapshot is consistent, which is what this test checks.
          lockWaitTimeoutSeconds: 2,
        })
        const target = `${test.name}_b${index}`
        try {
          await restoreBackup(test.database, { manifest: backup.manifestPath, target })
          const check = await createConnection({ uri: serverUrl, database: target, decimalNumbers: false })
          try {
            const [[total]] = (await check.query(
              'SELECT CAST(SUM(balance) AS CHAR) AS total, COUNT(*) AS accounts FROM accounts',
            )) as unknown as [{ total: string; accounts: number }[]]
            expect(total).toEqual({ total: `${ACCOUNTS * 1000}.00`, accounts: ACCOUNTS })
            // Balances and the ledger (read by different connections) are from one point in time.
            const [mismatched] = (await check.query(
              `SELECT a.id FROM accounts a
                 LEFT JOIN (SELECT to_account_id AS id, SUM(amount) AS amount FROM account_transactions GROUP BY to_account_id) i ON i.id = a.id
                 LEFT JOIN (SELECT from_account_id AS id, SUM(amount) AS amount FROM account_transactions GROUP BY from_account_id) o ON o.id = a.id
                WHERE a.balance <> 1000 + COALESCE(i.amount, 0) - COALESCE(o.amount, 0)`,
            )) as unknown as [unknown[]]
            expect(mismatched).toEqual([])
            const [[ledger]] = (await check.query(
              'SELECT COUNT(*) AS n FROM account_transactions',
            )) as unknown as [{ n: number }[]]
            expect(ledger!.n).toBe(
              backup.manifest.tables.find((table) => table.name === 'account_transactions')?.rows,
            )
            ledgerSizes.push(ledger!.n)
          } finally {
            await check.end()
          }
        } finally {
          await dropDatabases(serverUrl, [target])
        }
        // The writers kept going while this backup ran.
        expect(counter.done).toBeGreaterThan(before)
      }
    } finally {
      stop = true
      await Promise.all(loops)
      await Promise.all(writers.map((connection) => connection.end()))
    }
    expect(ledgerSizes.length).toBe(BACKUPS)
    expect(new Set(ledgerSizes).size).toBeGreaterThan(BACKUPS / 2)
  }, 300_000)
})
