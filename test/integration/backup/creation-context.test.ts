import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createConnection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type BackupResult, createBackup, restoreBackup, verifyBackup } from '../../../src/backup/index.js'
import { createDatabase } from '../../../src/database/create-database.js'
import { rewriteArchive } from '../../fixtures/backup/rewrite-archive.js'
import { dropDatabases, runStatements } from './compare.js'

const serverUrl = inject('serverUrl')
const id = randomBytes(3).toString('hex')
const source = `ktcc_${id}`
const copy = `ktcc_${id}_copy`
const legacy = `ktcc_${id}_legacy`
let directory: string
let backup: BackupResult
const database = createDatabase({ url: serverUrl })

/**
 * Objects created by a latin1 client with latin1_bin: their literals compare case- and accent-sensitively
 * ('abc' = 'ABC' is 0), and 'Café' is stored from latin1 bytes. One function is created before the database's
 * collation changes, so its DATABASE_COLLATION is not the database's.
 */
const LATIN1_OBJECTS = [
  "CREATE FUNCTION same_word() RETURNS INT DETERMINISTIC NO SQL RETURN 'abc' = 'ABC'",
  "CREATE FUNCTION accent() RETURNS VARCHAR(10) DETERMINISTIC NO SQL RETURN 'Café'",
  "CREATE PROCEDURE compare_words(OUT same INT) SET same = ('Café' = 'CAFÉ')",
  "CREATE VIEW literals AS SELECT 'abc' = 'ABC' AS same, 'Café' AS word",
  "CREATE TRIGGER mark BEFORE INSERT ON words FOR EACH ROW SET NEW.same = ('abc' = 'ABC')",
  "CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY DISABLE DO INSERT INTO words (word) VALUES ('Café')",
]

/** The creation context of every object of `schema`, by `kind name`. */
async function contexts(schema: string): Promise<Record<string, string>> {
  const connection = await createConnection({ uri: serverUrl })
  try {
    const found: Record<string, string> = {}
    const read = async (kind: string, sql: string) => {
      const [rows] = (await connection.query(sql, [schema])) as unknown as [
        { name: string; client: string; connection: string; db: string | null }[],
      ]
      for (const row of rows)
        found[`${kind} ${row.name}`] = `${row.client}/${row.connection}/${row.db ?? '-'}`
    }
    await read(
      'view',
      'SELECT TABLE_NAME AS name, CHARACTER_SET_CLIENT AS client, COLLATION_CONNECTION AS connection, NULL AS db FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?',
    )
    await read(
      'trigger',
      'SELECT TRIGGER_NAME AS name, CHARACTER_SET_CLIENT AS client, COLLATION_CONNECTION AS connection, DATABASE_COLLATION AS db FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?',
    )
    await read(
      'routine',
      'SELECT ROUTINE_NAME AS name, CHARACTER_SET_CLIENT AS client, COLLATION_CONNECTION AS connection, DATABASE_COLLATION AS db FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?',
    )
    await read(
      'event',
      'SELECT EVENT_NAME AS name, CHARACTER_SET_CLIENT AS client, COLLATION_CONNECTION AS connection, DATABASE_COLLATION AS db FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ?',
    )
    return found
  } finally {
    await connection.end()
  }
}

/** What the objects of `schema` do with their literals. */
async function behaviour(schema: string): Promise<unknown> {
  const connection = await createConnection({ uri: serverUrl, database: schema })
  try {
    const [[functions]] = (await connection.query(
      'SELECT same_word() AS same, accent() AS accent, HEX(accent()) AS hex',
    )) as unknown as [Record<string, unknown>[]]
    await connection.query('CALL compare_words(@same)')
    const [[procedure]] = (await connection.query('SELECT @same AS same')) as unknown as [
      Record<string, unknown>[],
    ]
    const [view] = await connection.query('SELECT same, word FROM literals')
    await connection.query("INSERT INTO words (word) VALUES ('abc')")
    const [[trigger]] = (await connection.query(
      'SELECT same FROM words ORDER BY id DESC LIMIT 1',
    )) as unknown as [Record<string, unknown>[]]
    await connection.query('DELETE FROM words ORDER BY id DESC LIMIT 1')
    return { functions, procedure, view, trigger }
  } finally {
    await connection.end()
  }
}

beforeAll(async () => {
  await dropDatabases(serverUrl, [source, copy, legacy])
  await runStatements(serverUrl, 'information_schema', [
    `CREATE DATABASE ${source} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`,
  ])
  await runStatements(serverUrl, source, [
    'CREATE TABLE words (id INT PRIMARY KEY AUTO_INCREMENT, word VARCHAR(20) NOT NULL, same INT NULL)',
  ])
  // The driver encodes the statements in latin1 (cp1252, as the server's latin1 is) for this connection.
  const latin1 = await createConnection({ uri: serverUrl, database: source, charset: 'LATIN1_BIN' })
  try {
    for (const statement of LATIN1_OBJECTS) await latin1.query(statement)
  } finally {
    await latin1.end()
  }
  await runStatements(serverUrl, source, [
    'CREATE FUNCTION plain() RETURNS INT DETERMINISTIC NO SQL RETURN 1',
    // The database's collation changes after the objects were made: they keep the one they were made with.
    `ALTER DATABASE ${source} COLLATE utf8mb4_unicode_ci`,
  ])
  directory = await mkdtemp(join(tmpdir(), 'kt-context-'))
  backup = await createBackup(database, { directory, database: source, events: true })
})

afterAll(async () => {
  await dropDatabases(serverUrl, [source, copy, legacy])
  await database.close()
  if (directory) await rm(directory, { recursive: true, force: true })
})

describe('backup of creation contexts', () => {
  it('restores views, triggers, routines and events in the context they were created in', async () => {
    const expected = await contexts(source)
    expect(expected['routine same_word']).toBe('latin1/latin1_bin/utf8mb4_general_ci')
    expect(expected['routine plain']).toMatch(/^utf8mb4\/utf8mb4_\w+\/utf8mb4_general_ci$/)
    await restoreBackup(database, { manifest: backup.manifestPath, target: copy })
    expect(await contexts(copy)).toEqual(expected)
  })

  it('keeps how their literals compare, and their non-ASCII text', async () => {
    const original = await behaviour(source)
    expect(original).toMatchObject({
      functions: { same: 0, accent: 'Café', hex: '436166C3A9' },
      procedure: { same: 0 },
      view: [{ same: 0, word: 'Café' }],
      trigger: { same: 0 },
    })
    expect(await behaviour(copy)).toEqual(original)
  })

  it('is compared by verify: a restored object with another context is a mismatch', async () => {
    expect(await verifyBackup(database, { manifest: backup.manifestPath })).toMatchObject({
      ok: true,
      mismatched: [],
    })
    await runStatements(serverUrl, copy, [
      'DROP FUNCTION same_word',
      "CREATE FUNCTION same_word() RETURNS INT DETERMINISTIC NO SQL RETURN 'abc' = 'ABC'",
    ])
    const report = await verifyBackup(database, { manifest: backup.manifestPath, against: copy })
    expect(report.ok).toBe(false)
    expect(report.mismatched).toEqual(
      expect.arrayContaining([
        `function same_word: character_set_client latin1 (utf8mb4 in ${copy})`,
        expect.stringMatching(
          new RegExp(`^function same_word: collation_connection latin1_bin \\(utf8mb4_\\w+ in ${copy}\\)$`),
        ),
      ]),
    )
  })

  it('still restores an archive written before contexts were kept (objects take utf8mb4)', async () => {
    const manifest = await rewriteArchive(backup, join(directory, 'legacy'), (block) => {
      if (!('context' in block.header)) return block
      const { context: _context, ...header } = block.header
      return { ...block, header }
    })
    await restoreBackup(database, { manifest, target: legacy })
    const restored = await contexts(legacy)
    expect(restored['routine same_word']).toMatch(/^utf8mb4\/utf8mb4_general_ci\//)
    expect(Object.keys(restored).sort()).toEqual(Object.keys(await contexts(source)).sort())
  })
})
