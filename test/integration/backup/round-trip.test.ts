import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { DB } from '../../../example/generated/db.js'
import { seedShop } from '../../../example/seed.js'
import {
  createBackup,
  listBackups,
  restoreBackup,
  scheduleBackups,
  verifyBackup,
} from '../../../src/backup/index.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/test-database.js'
import { everyTypeStatements } from '../../fixtures/backup/every-type.js'
import { EVERY_TYPE_MIGRATIONS, EVERY_TYPE_ROWS } from '../../fixtures/every-type/every-type.js'
import type { DB as EveryTypeDB } from '../../fixtures/every-type/generated/default/db.js'
import { EXAMPLE_MIGRATIONS } from '../../helpers/paths.js'
import { onMysql, testServer } from '../../helpers/test-server.js'
import { dropDatabases, runStatements, snapshotDatabase } from './compare.js'
import { serverTools } from './server-tools.js'

const serverUrl = inject('serverUrl')
let test: TestDatabase<DB>
let directory: string
const restored: string[] = []

const OBJECTS = [
  `CREATE VIEW user_order_totals AS
     SELECT u.id AS user_id, u.email, COUNT(o.id) AS orders, COALESCE(SUM(o.total), 0) AS total
       FROM users u LEFT JOIN orders o ON o.user_id = u.id GROUP BY u.id, u.email`,
  'CREATE VIEW big_spenders AS SELECT * FROM user_order_totals WHERE total > 40',
  `CREATE FUNCTION order_count(p_user INT UNSIGNED) RETURNS INT READS SQL DATA
     RETURN (SELECT COUNT(*) FROM orders WHERE user_id = p_user)`,
  `CREATE PROCEDURE close_pending(IN p_user INT UNSIGNED)
   BEGIN
     UPDATE orders SET status = 'cancelled' WHERE user_id = p_user AND status = 'pending';
     SELECT ROW_COUNT() AS cancelled;
   END`,
  `CREATE TRIGGER order_items_positive BEFORE INSERT ON order_items FOR EACH ROW
   BEGIN
     IF NEW.quantity = 0 THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'quantity must be positive'; END IF;
   END`,
  `CREATE TRIGGER ledger_counts AFTER INSERT ON account_transactions FOR EACH ROW
     UPDATE accounts SET created_at = created_at WHERE id = NEW.from_account_id`,
]

beforeAll(async () => {
  test = await createTestDatabase<DB>({
    serverUrl,
    migrations: EXAMPLE_MIGRATIONS,
    seed: (db) => seedShop(db, { users: 60, ordersPerUser: 4 }),
  })
  await runStatements(serverUrl, test.name, [...everyTypeStatements(testServer), ...OBJECTS])
  directory = await mkdtemp(join(tmpdir(), 'kt-backup-'))
})

afterAll(async () => {
  await dropDatabases(serverUrl, restored)
  await test?.destroy()
  if (directory) await rm(directory, { recursive: true, force: true })
})

async function roundTrip(
  options: Parameters<typeof createBackup>[1],
  suffix: string,
  restoreOptions: { clientCommand?: string } = {},
) {
  const backup = await createBackup(test.database, options)
  const target = `${test.name}_${suffix}`
  restored.push(target)
  const result = await restoreBackup(test.database, {
    manifest: backup.manifestPath,
    target,
    ...restoreOptions,
  })
  const [before, after] = await Promise.all([
    snapshotDatabase(serverUrl, test.name),
    snapshotDatabase(serverUrl, target),
  ])
  return { backup, result, before, after, target }
}

describe(createBackup.name, () => {
  it.each([
    { name: 'two connections on one locked snapshot', options: { parallel: 2 }, mode: 'lock-tables' },
    { name: 'one connection', options: { parallel: 1 }, mode: 'single' },
    {
      name: 'four connections, tiny statements',
      options: { parallel: 4, statementBytes: 4096 },
      mode: 'lock-tables',
    },
  ])('round-trips the example schema and every column type exactly ($name)', async ({ options, mode }) => {
    const { backup, result, before, after } = await roundTrip(
      { directory, ...options },
      mode.slice(0, 1) + options.parallel,
    )
    expect(backup.manifest.consistency.mode).toBe(mode)
    // Same rows, bit for bit (CHECKSUM TABLE), same DDL including AUTO_INCREMENT, same views, triggers, routines.
    expect(after).toEqual(before)
    expect(Object.keys(after.tables).sort()).toEqual([
      'account_transactions',
      'accounts',
      'every_type',
      'kysely_migration',
      'kysely_migration_lock',
      'order_items',
      'orders',
      'users',
    ])
    expect(after.tables.every_type?.autoIncrement).toBe('1004')
    expect(Object.keys(after.views).sort()).toEqual(['big_spenders', 'user_order_totals'])
    expect(Object.keys(after.triggers).sort()).toEqual(['ledger_counts', 'order_items_positive'])
    expect(Object.keys(after.routines).sort()).toEqual(['FUNCTION order_count', 'PROCEDURE close_pending'])
    expect(result.rows).toBe(backup.manifest.rows)
    expect(backup.manifest.tables.find((table) => table.name === 'orders')?.rows).toBe(240)
    expect(backup.manifest.rows).toBe(
      Object.values(before.tables).reduce((sum, table) => sum + table.rows, 0),
    )
    expect((await stat(backup.archivePath)).mode & 0o777).toBe(0o600)
    expect((await stat(backup.manifestPath)).mode & 0o777).toBe(0o600)
  })

  it("restores with the server's own dump program too (engine 'dump'), which is only as exact as that program", async () => {
    const tools = serverTools()
    const { backup, after, before, target } = await roundTrip(
      { directory, engine: 'dump', dumpCommand: tools.dump },
      'dump',
      { clientCommand: tools.client },
    )
    expect(backup.manifest.engine).toBe(onMysql ? 'mysqldump' : 'mariadb-dump')
    expect(backup.manifest.warnings).toEqual([])
    expect(backup.manifest.consistency.mode).toBe('single-transaction')
    for (const [name, table] of Object.entries(before.tables)) {
      if (name === 'every_type') continue
      expect({ name, checksum: after.tables[name]?.checksum, rows: after.tables[name]?.rows }).toEqual({
        name,
        checksum: table.checksum,
        rows: table.rows,
      })
    }
    // Column by column: only the FLOAT column differs after a mariadb-dump round trip (the builtin engine is exact).
    const columns = await columnNames(test.name, 'every_type')
    const differing: string[] = []
    for (const column of columns) {
      const [rows] = await test.database.db
        .executeQuery<{ n: number }>(
          sql`SELECT COUNT(*) AS n FROM ${sql.table(`${test.name}.every_type`)} a JOIN ${sql.table(`${target}.every_type`)} b USING (id) WHERE NOT (a.${sql.ref(column)} <=> b.${sql.ref(column)})`.compile(
            test.database.db,
          ),
        )
        .then((result) => result.rows)
      if (Number(rows?.n) > 0) differing.push(column)
    }
    expect(differing).toEqual(['real_float'])
    expect(Object.keys(after.views).sort()).toEqual(Object.keys(before.views).sort())
    expect(after.triggers).toEqual(before.triggers)
    expect(Object.keys(after.routines).sort()).toEqual(Object.keys(before.routines).sort())
  })
})

async function columnNames(database: string, table: string): Promise<string[]> {
  const result = await sql<{
    name: string
  }>`SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ${database} AND TABLE_NAME = ${table} ORDER BY ORDINAL_POSITION`.execute(
    test.database.db,
  )
  return result.rows.map((row) => row.name)
}

describe('backup of the codegen every-type fixture', () => {
  it('round-trips every column type of test/fixtures/every-type exactly, generated columns recomputed', async () => {
    await using fixture = await createTestDatabase<EveryTypeDB>({
      serverUrl,
      migrations: EVERY_TYPE_MIGRATIONS,
      prefix: 'bkevery',
    })
    await fixture.db.insertInto('every_type').values(EVERY_TYPE_ROWS).execute()
    const backup = await createBackup(fixture.database, { directory, parallel: 2 })
    const target = `${fixture.name}_r`
    restored.push(target)
    await restoreBackup(fixture.database, { manifest: backup.manifestPath, target })
    const [before, after] = await Promise.all([
      snapshotDatabase(serverUrl, fixture.name),
      snapshotDatabase(serverUrl, target),
    ])
    expect(after).toEqual(before)
    expect(after.tables.every_type?.rows).toBe(EVERY_TYPE_ROWS.length)
    // The generated columns were not in the archive's INSERTs: the server computed them again.
    const archive = gunzipSync(await readFile(backup.archivePath)).toString('utf8')
    const insertHead = /INSERT INTO `every_type` \(([^)]*)\) VALUES/.exec(archive)?.[1]
    expect(insertHead).toContain('`tiny_bool`')
    expect(insertHead).not.toContain('`varchar_length`')
    expect(insertHead).not.toContain('`money_doubled`')
  })
})

describe('backup of events', () => {
  it('keeps events with their schedule, status and body when asked to (events: true)', async () => {
    await using fixture = await createTestDatabase({ serverUrl, prefix: 'bkevent' })
    await runStatements(serverUrl, fixture.name, [
      'CREATE TABLE ticks (id INT PRIMARY KEY AUTO_INCREMENT, at DATETIME NOT NULL) ENGINE=InnoDB',
      `CREATE EVENT nightly_tick ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 03:00:00' DISABLE
         COMMENT 'one row a night' DO INSERT INTO ticks (at) VALUES (NOW())`,
      `CREATE EVENT once_tick ON SCHEDULE AT '2031-06-01 00:00:00' ON COMPLETION PRESERVE ENABLE
         DO DELETE FROM ticks WHERE at < '2000-01-01'`,
    ])
    const backup = await createBackup(fixture.database, { directory, events: true })
    expect(backup.manifest.events).toEqual(['nightly_tick', 'once_tick'])
    const target = `${fixture.name}_r`
    restored.push(target)
    await restoreBackup(fixture.database, { manifest: backup.manifestPath, target })
    const describeEvents = (database: string) =>
      sql<Record<string, unknown>>`SELECT EVENT_NAME AS name, EVENT_TYPE AS type, EXECUTE_AT AS executeAt,
          INTERVAL_VALUE AS every, INTERVAL_FIELD AS unit, STARTS AS starts, STATUS AS status,
          ON_COMPLETION AS completion, EVENT_COMMENT AS comment, EVENT_DEFINITION AS body, SQL_MODE AS mode,
          TIME_ZONE AS zone
        FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ${database} ORDER BY EVENT_NAME`
        .execute(fixture.db)
        .then((result) => result.rows)
    const events = await describeEvents(target)
    expect(events).toEqual(await describeEvents(fixture.name))
    expect(events.map((event) => [event.name, event.status])).toEqual([
      ['nightly_tick', 'DISABLED'],
      ['once_tick', 'ENABLED'],
    ])
  })
})

describe(verifyBackup.name, () => {
  it('compares row counts and CHECKSUM TABLE of the source with a restored copy, then drops the copy', async () => {
    const backup = await createBackup(test.database, { directory })
    const report = await verifyBackup(test.database, { manifest: backup.manifestPath })
    expect(report.ok).toBe(true)
    expect(report.tables.length).toBe(8)
    for (const table of report.tables) {
      expect(table.match).toBe(true)
      expect(table.restoredChecksum).toBe(table.sourceChecksum)
      expect(table.restoredRows).toBe(table.backupRows)
    }
    expect(report.missing).toEqual([])
  })
})

describe(scheduleBackups.name, () => {
  it('takes backups on a cron schedule, prunes after each, and stops', async () => {
    const scheduled = await mkdtemp(join(directory, 'scheduled-'))
    const taken: string[] = []
    const errors: unknown[] = []
    const schedule = await scheduleBackups(test.database, {
      cron: '* * * * * *', // every second
      backup: { directory: scheduled, prefix: 'nightly' },
      retention: { keepLast: 1 },
      onBackup: (result) => taken.push(result.manifestPath),
      onError: (error) => errors.push(error),
    })
    try {
      const deadline = Date.now() + 20_000
      while (taken.length < 2 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100))
    } finally {
      schedule.stop()
    }
    expect(errors).toEqual([])
    expect(taken.length).toBeGreaterThanOrEqual(2)
    expect(schedule.nextRun()).toBeNull()
    // Pruned after each run: only the newest is left.
    const left = await listBackups(scheduled)
    expect(left.map((entry) => entry.manifestPath)).toEqual([taken.at(-1)])
  })
})
