import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createConnection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  type BackupResult,
  CrossDatabaseStatementError,
  createBackup,
  restoreBackup,
  verifyBackup,
} from '../../../src/backup/index.js'
import { createDatabase } from '../../../src/database/create-database.js'
import { rewriteArchive } from '../../fixtures/backup/rewrite-archive.js'
import { onMysql } from '../../helpers/test-server.js'
import {
  type DatabaseSnapshot,
  databaseExists,
  dropDatabases,
  runStatements,
  snapshotDatabase,
} from './compare.js'
import { serverTools } from './server-tools.js'

const serverUrl = inject('serverUrl')
const id = randomBytes(3).toString('hex')
/** The backed-up database: its objects name it (`src.trg`, `src.t`). */
const source = `ktsr_${id}`
const other = `ktsr_${id}_other`
const copy = `ktsr_${id}_copy`
const second = `ktsr_${id}_second`
const dumpTarget = `ktsr_${id}_dump`
let directory: string
let backup: BackupResult
let sourceBefore: DatabaseSnapshot
const database = createDatabase({ url: serverUrl })

/** Objects written with schema-qualified names, in every spelling: bare, backticked, spaced. */
const QUALIFIED = [
  'CREATE TABLE t (id INT PRIMARY KEY AUTO_INCREMENT, n INT NOT NULL) ENGINE=InnoDB',
  'CREATE TABLE log (id INT PRIMARY KEY AUTO_INCREMENT, note VARCHAR(40) NOT NULL) ENGINE=InnoDB',
  'INSERT INTO t (n) VALUES (1), (2)',
  `CREATE TRIGGER ${source}.trg BEFORE INSERT ON ${source}.t FOR EACH ROW SET NEW.n = NEW.n + 100`,
  `CREATE TRIGGER \`${source}\`.trg_log AFTER INSERT ON \`${source}\`.\`t\` FOR EACH ROW
     INSERT INTO \`${source}\` . log (note) VALUES (CONCAT('${source}.t got ', NEW.n))`,
  `CREATE PROCEDURE ${source}.add_row(value INT) INSERT INTO ${source}.t (n) VALUES (value)`,
  `CREATE FUNCTION ${source}.t_rows() RETURNS INT READS SQL DATA RETURN (SELECT COUNT(*) FROM ${source}.t)`,
  `CREATE FUNCTION ${source}.row_count() RETURNS INT DETERMINISTIC NO SQL RETURN 42`,
  `CREATE VIEW ${source}.answers AS SELECT ${source}.row_count() AS answer`,
  `CREATE VIEW ${source}.big AS SELECT n FROM ${source}.t WHERE n > 1`,
  `CREATE EVENT ${source}.tick ON SCHEDULE EVERY 1 DAY DISABLE DO INSERT INTO ${source}.log (note) VALUES ('tick')`,
]

async function rows<T>(schema: string, statement: string): Promise<T[]> {
  const connection = await createConnection({ uri: serverUrl, database: schema })
  try {
    const [result] = await connection.query(statement)
    return result as T[]
  } finally {
    await connection.end()
  }
}

async function triggersOf(schema: string): Promise<string[]> {
  const found = await rows<{ name: string; tbl: string }>(
    schema,
    `SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tbl FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '${schema}' ORDER BY TRIGGER_NAME`,
  )
  return found.map((row) => `${row.name} ON ${row.tbl}`)
}

beforeAll(async () => {
  await dropDatabases(serverUrl, [source, other, copy, second, dumpTarget])
  await runStatements(serverUrl, 'information_schema', [`CREATE DATABASE ${source}`])
  await runStatements(serverUrl, source, QUALIFIED)
  directory = await mkdtemp(join(tmpdir(), 'kt-references-'))
  backup = await createBackup(database, { directory, database: source, events: true })
  sourceBefore = await snapshotDatabase(serverUrl, source)
})

afterAll(async () => {
  await dropDatabases(serverUrl, [source, other, copy, second, dumpTarget])
  await database.close()
  if (directory) await rm(directory, { recursive: true, force: true })
})

describe('restoreBackup of objects named with their schema', () => {
  it('restores into another name while the source still exists, and leaves the source untouched', async () => {
    await restoreBackup(database, { manifest: backup.manifestPath, target: copy })
    expect(await snapshotDatabase(serverUrl, source)).toEqual(sourceBefore)
    expect(await triggersOf(copy)).toEqual(['trg ON t', 'trg_log ON t'])
    expect(await triggersOf(source)).toEqual(['trg ON t', 'trg_log ON t'])
  })

  it('makes the copy act on itself: triggers, procedure, function, view and event name the copy', async () => {
    await runStatements(serverUrl, copy, ['INSERT INTO t (n) VALUES (3)', 'CALL add_row(4)'])
    expect(await rows(copy, 'SELECT n FROM t ORDER BY id')).toEqual([
      { n: 1 },
      { n: 2 },
      { n: 103 },
      { n: 104 },
    ])
    // The string literal naming the source is text, not a reference: it is kept.
    expect(await rows(copy, 'SELECT note FROM log ORDER BY id')).toEqual([
      { note: `${source}.t got 103` },
      { note: `${source}.t got 104` },
    ])
    expect(await rows(copy, 'SELECT t_rows() AS c')).toEqual([{ c: 4 }])
    // A stored function named like a native one is still called qualified, now by the copy's name.
    expect(await rows(copy, 'SELECT answer FROM answers')).toEqual([{ answer: 42 }])
    const [view] = await rows<{ body: string }>(
      copy,
      `SELECT VIEW_DEFINITION AS body FROM information_schema.VIEWS WHERE TABLE_SCHEMA = '${copy}' AND TABLE_NAME = 'answers'`,
    )
    expect(view?.body).toContain(`\`${copy}\`.\`row_count\`()`)
    expect(await rows(copy, 'SELECT COUNT(*) AS c FROM big')).toEqual([{ c: 3 }])
    const [event] = await rows<{ body: string }>(
      copy,
      `SELECT EVENT_DEFINITION AS body FROM information_schema.EVENTS WHERE EVENT_SCHEMA = '${copy}'`,
    )
    expect(event?.body).toContain(`INSERT INTO \`${copy}\`.log`)
    expect(await snapshotDatabase(serverUrl, source)).toEqual(sourceBefore)
  })

  it('restores completely once the source is dropped, without recreating anything of it', async () => {
    await dropDatabases(serverUrl, [source])
    try {
      await restoreBackup(database, { manifest: backup.manifestPath, target: second })
      expect(await databaseExists(serverUrl, source)).toBe(false)
      expect(await triggersOf(second)).toEqual(['trg ON t', 'trg_log ON t'])
      await runStatements(serverUrl, second, ['INSERT INTO t (n) VALUES (5)'])
      expect(await rows(second, 'SELECT MAX(n) AS n FROM t')).toEqual([{ n: 105 }])
      expect(await rows(second, 'SELECT answer FROM answers')).toEqual([{ answer: 42 }])
    } finally {
      // Put the source back for the tests after this one.
      await restoreBackup(database, { manifest: backup.manifestPath, target: source })
    }
  })

  it('refuses, before writing anything, an archive whose statements would write to another database', async () => {
    await runStatements(serverUrl, 'information_schema', [
      `CREATE DATABASE ${other}`,
      `CREATE TABLE ${other}.t (id INT PRIMARY KEY AUTO_INCREMENT, n INT NOT NULL)`,
    ])
    const cases: [string, (payload: string, kind: string, name: string) => string | undefined][] = [
      [
        'trigger trg: created in database',
        (_payload, kind, name) =>
          kind === 'trigger' && name === 'trg'
            ? `CREATE TRIGGER ${other}.trg BEFORE INSERT ON ${other}.t FOR EACH ROW SET NEW.n = 0`
            : undefined,
      ],
      [
        'procedure add_row: created in database',
        (payload, kind) =>
          kind === 'procedure'
            ? payload.replace('PROCEDURE `add_row`', `PROCEDURE \`${other}\`.\`add_row\``)
            : undefined,
      ],
      [
        'table t: not a CREATE TABLE of that table alone',
        (payload, kind, name) =>
          kind === 'table' && name === 't'
            ? payload.replace('CREATE TABLE `t`', `CREATE TABLE \`${other}\`.\`t2\``)
            : undefined,
      ],
      [
        'rows of t: not an INSERT INTO that table alone',
        (payload, kind) =>
          kind === 'rows' ? payload.replace('INSERT INTO `t`', `INSERT INTO \`${other}\`.\`t\``) : undefined,
      ],
    ]
    for (const [index, [reason, change]] of cases.entries()) {
      const manifest = await rewriteArchive(backup, join(directory, `refused-${index}`), (block) => {
        const { header } = block
        const name = 'name' in header ? header.name : 'table' in header ? header.table : ''
        const changed = change(block.payload, header.kind, name)
        return changed === undefined ? block : { ...block, payload: changed }
      })
      const error = await restoreBackup(database, { manifest, target: second, replace: true }).catch(
        (caught: unknown) => caught,
      )
      expect(CrossDatabaseStatementError.is(error), String(error)).toBe(true)
      expect((error as CrossDatabaseStatementError).statements.join('; ')).toContain(reason)
      // The same for verify, which restores a throw-away copy first.
      await expect(verifyBackup(database, { manifest })).rejects.toSatisfy(CrossDatabaseStatementError.is)
      expect(await triggersOf(other)).toEqual([])
      expect(await rows(other, 'SELECT COUNT(*) AS n FROM t')).toEqual([{ n: 0 }])
      expect(await rows(other, `SHOW TABLES`)).toHaveLength(1)
      expect(await triggersOf(second)).toEqual(['trg ON t', 'trg_log ON t'])
      // No temporary database of this restore was made (they are named ktr_<random>_<target>).
      expect(
        await rows(
          'information_schema',
          `SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'ktr\\_%\\_${second}'`,
        ),
      ).toEqual([])
    }
  })
})

describe('restoreBackup of a dump engine archive of objects named with their schema', () => {
  it('restores MySQL triggers (mysqldump writes them unqualified) and refuses MariaDB ones, which name the source', async () => {
    const tools = serverTools()
    const dumped = await createBackup(database, {
      directory: join(directory, 'dump'),
      database: source,
      engine: 'dump',
      dumpCommand: tools.dump,
    })
    const before = await snapshotDatabase(serverUrl, source)
    await dropDatabases(serverUrl, [dumpTarget])
    const restoring = restoreBackup(database, {
      manifest: dumped.manifestPath,
      target: dumpTarget,
      clientCommand: tools.client,
    })
    if (onMysql) {
      await restoring
      expect(await triggersOf(dumpTarget)).toEqual(['trg ON t', 'trg_log ON t'])
    } else {
      const error = await restoring.catch((caught: unknown) => caught)
      expect(CrossDatabaseStatementError.is(error), String(error)).toBe(true)
      expect((error as CrossDatabaseStatementError).statements).toEqual([
        `trigger trg: the dump program wrote it as ${source}.trg, which would write to database ${source} (back up with the builtin engine, which rewrites it)`,
        `trigger trg: the dump program wrote it as ${source}.t, which would write to database ${source} (back up with the builtin engine, which rewrites it)`,
        `trigger trg_log: the dump program wrote it as ${source}.trg_log, which would write to database ${source} (back up with the builtin engine, which rewrites it)`,
        `trigger trg_log: the dump program wrote it as ${source}.t, which would write to database ${source} (back up with the builtin engine, which rewrites it)`,
      ])
      expect(await databaseExists(serverUrl, dumpTarget)).toBe(false)
    }
    expect(await snapshotDatabase(serverUrl, source)).toEqual(before)
  })
})

describe('verifyBackup of objects named with their schema', () => {
  it('passes against the source, and finds every object of a complete copy alike', async () => {
    const report = await verifyBackup(database, { manifest: backup.manifestPath })
    expect(report).toMatchObject({ ok: true, missing: [], mismatched: [] })
    const againstCopy = await verifyBackup(database, { manifest: backup.manifestPath, against: copy })
    expect(againstCopy).toMatchObject({ missing: [], mismatched: [] })
  })

  it('catches a copy without its trigger, and one whose trigger is on another table', async () => {
    await runStatements(serverUrl, copy, ['DROP TRIGGER trg'])
    const missing = await verifyBackup(database, { manifest: backup.manifestPath, against: copy })
    expect(missing.ok).toBe(false)
    expect(missing.missing).toEqual([`trigger trg (not in ${copy})`])
    await runStatements(serverUrl, copy, [
      'CREATE TRIGGER trg BEFORE INSERT ON log FOR EACH ROW SET NEW.note = NEW.note',
    ])
    const moved = await verifyBackup(database, { manifest: backup.manifestPath, against: copy })
    expect(moved.ok).toBe(false)
    expect(moved.mismatched).toEqual([`trigger trg: table t (log in ${copy})`])
  })
})
