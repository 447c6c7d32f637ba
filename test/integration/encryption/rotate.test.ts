import { type Kysely, sql } from 'kysely'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  countRowsOnOldKeys,
  createKeyring,
  DecryptionError,
  EncryptionPlugin,
  rotateEncryptionKeys,
} from '../../../src/plugin/encryption/index.js'
import { createThrowAwayDatabase, type ThrowAwayDatabase } from '../../helpers/encryption-database.js'
import { createTestKeyMaterial } from '../../helpers/encryption-keys.js'

interface DB {
  accounts: {
    id: number
    iban: string | null
    email: string | null
    email_index: number | null
    opened: Date | null
  }
}

const SCHEMA = [
  `create table accounts (
    id int primary key,
    iban varchar(150) character set ascii null,
    email varchar(200) character set ascii null,
    email_index int unsigned null,
    opened varchar(100) character set ascii null
  )`,
]
const ROWS = 250
const material = createTestKeyMaterial() // k1 and k0
const tables = {
  accounts: { iban: true, email: { blindIndex: { column: 'email_index', bits: 6 } }, opened: true },
} as const
const onOldKey = new EncryptionPlugin<DB>({
  keyring: createKeyring({ keys: { ...material, currentKeyId: 'k0' } }),
  tables,
})
const onNewKey = new EncryptionPlugin<DB>({ keyring: createKeyring({ keys: material }), tables })

const rowOf = (id: number) => ({
  id,
  iban: `DE${String(id).padStart(20, '0')}`,
  email: id % 10 === 0 ? null : `user${id}@example.com`,
  opened: new Date(Date.UTC(2020, 0, 1) + id * 86_400_000),
})

let database: ThrowAwayDatabase
let oldDb: Kysely<DB>
let db: Kysely<DB>
let plain: Kysely<DB>

beforeAll(async () => {
  database = await createThrowAwayDatabase(SCHEMA)
  oldDb = database.connect<DB>({ plugins: [onOldKey] })
  db = database.connect<DB>({ plugins: [onNewKey] })
  plain = database.connect<DB>()
})
afterAll(async () => {
  await database?.destroy()
})
beforeEach(async () => {
  await plain.deleteFrom('accounts').execute()
  await oldDb
    .insertInto('accounts')
    .values(Array.from({ length: ROWS }, (_, i) => rowOf(i + 1)))
    .execute()
})

describe(rotateEncryptionKeys.name, () => {
  it('re-encrypts to the current key after an interruption half-way, with every value intact', async () => {
    const before = await countRowsOnOldKeys(db, { plugin: onNewKey, table: 'accounts' })
    expect(before.rows).toBe(ROWS)
    expect(before.columns.iban).toEqual({ k0: ROWS })
    expect(before.columns.email).toEqual({ k0: ROWS - ROWS / 10 })

    const crash = new Error('simulated crash')
    const seen: number[] = []
    const interrupted = rotateEncryptionKeys(db, {
      plugin: onNewKey,
      table: 'accounts',
      batchSize: 40,
      onProgress: (progress) => {
        seen.push(progress.rotated)
        if (progress.batches === 3) throw crash
      },
    })
    await expect(interrupted).rejects.toBe(crash)
    expect(seen).toEqual([40, 80, 120])
    const midway = await countRowsOnOldKeys(db, { plugin: onNewKey, table: 'accounts' })
    expect(midway.rows).toBe(ROWS - 120)
    expect(midway.columns.iban).toEqual({ k0: ROWS - 120, k1: 120 })

    const resumed = await rotateEncryptionKeys(db, { plugin: onNewKey, table: 'accounts', batchSize: 40 })
    expect(resumed).toMatchObject({
      rotated: ROWS - 120,
      skipped: 0,
      scanned: ROWS - 120,
      currentKeyId: 'k1',
    })
    expect((await countRowsOnOldKeys(db, { plugin: onNewKey, table: 'accounts' })).rows).toBe(0)

    const rows = await db
      .selectFrom('accounts')
      .select(['id', 'iban', 'email', 'opened'])
      .orderBy('id')
      .execute()
    expect(rows).toEqual(Array.from({ length: ROWS }, (_, i) => rowOf(i + 1)))
    expect(
      await db.selectFrom('accounts').select('id').where('email', '=', 'user77@example.com').execute(),
    ).toEqual([{ id: 77 }])
    const stored = await plain.selectFrom('accounts').select(['iban', 'email', 'opened']).execute()
    for (const row of stored) {
      expect(row.iban).toMatch(/^kt1:k1:/)
      if (row.email !== null) expect(row.email).toMatch(/^kt1:k1:/)
    }

    // A finished table: nothing to do.
    expect(await rotateEncryptionKeys(db, { plugin: onNewKey, table: 'accounts' })).toMatchObject({
      scanned: 0,
      rotated: 0,
    })
  })

  it('does not overwrite values written while it runs', async () => {
    let writes = 0
    const expected = new Map<number, string>()
    let done = false
    const writer = (async () => {
      while (!done) {
        const id = 1 + ((writes * 37) % ROWS)
        const iban = `NEW${writes}`
        await db.updateTable('accounts').set({ iban }).where('id', '=', id).execute()
        expected.set(id, iban)
        writes++
      }
    })()
    const result = await rotateEncryptionKeys(db, { plugin: onNewKey, table: 'accounts', batchSize: 10 })
    done = true
    await writer
    expect(writes).toBeGreaterThan(0)
    expect(result.rotated).toBeLessThanOrEqual(ROWS)
    const rows = await db.selectFrom('accounts').select(['id', 'iban']).execute()
    for (const row of rows) expect(row.iban).toBe(expected.get(row.id) ?? rowOf(row.id).iban)
    // Rows whose last write raced the last pass are finished by the next run.
    await rotateEncryptionKeys(db, { plugin: onNewKey, table: 'accounts', batchSize: 10 })
    expect((await countRowsOnOldKeys(db, { plugin: onNewKey, table: 'accounts' })).rows).toBe(0)
  })

  it('encrypts legacy plaintext in migration mode and fills the blind index', async () => {
    await sql`update accounts set iban = concat('PLAIN', id), email = concat('legacy', id, '@example.com'), email_index = null where id <= 5`.execute(
      plain,
    )
    const count = await countRowsOnOldKeys(db, { plugin: onNewKey, table: 'accounts' })
    expect(count.columns.iban).toEqual({ '': 5, k0: ROWS - 5 })
    await expect(rotateEncryptionKeys(db, { plugin: onNewKey, table: 'accounts' })).rejects.toThrow(
      DecryptionError,
    )

    const migrating = new EncryptionPlugin<DB>({
      keyring: onNewKey.keyring,
      tables,
      readLegacyPlaintext: true,
    })
    const result = await rotateEncryptionKeys(db, { plugin: migrating, table: 'accounts', batchSize: 100 })
    expect(result.rotated).toBe(ROWS)
    const stored = await plain.selectFrom('accounts').select(['iban', 'email']).where('id', '<=', 5).execute()
    expect(JSON.stringify(stored)).not.toMatch(/PLAIN|legacy/)
    expect(
      await db
        .selectFrom('accounts')
        .select(['id', 'iban'])
        .where('email', '=', 'legacy3@example.com')
        .execute(),
    ).toEqual([{ id: 3, iban: 'PLAIN3' }])
  })
})
