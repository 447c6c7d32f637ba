import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createConnection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  type BackupResult,
  createBackup,
  RestoreFailedError,
  restoreBackup,
} from '../../../src/backup/index.js'
import { createDatabase } from '../../../src/database/create-database.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/test-database.js'
import { onMysql } from '../../helpers/test-server.js'
import {
  createLoginUser,
  type DatabaseSnapshot,
  dropDatabases,
  runStatements,
  snapshotDatabase,
} from './compare.js'

const serverUrl = inject('serverUrl')
let test: TestDatabase<unknown>
let directory: string
let backup: BackupResult
let target: string
let before: DatabaseSnapshot
let after: DatabaseSnapshot
const definer = `ktdef_${randomBytes(3).toString('hex')}`
const restorer = `ktres_${randomBytes(3).toString('hex')}`
const restorerPassword = randomBytes(12).toString('base64url')
let restorerAccount = ''
let restorerDefiner = ''
/** Whether the server writes a binary log with log_bin_trust_function_creators off (functions and triggers need SUPER). */
let binlogNeedsSuper = false
/** What the first restore, by a user without SUPER, threw on such a server, and the rows it had loaded by then. */
let refusal: { error: unknown; rows: number } | undefined

const TRAPS = [
  // Spatial: SRID, a SPATIAL index (NOT NULL column), every geometry kind.
  `CREATE TABLE places (
     id INT PRIMARY KEY AUTO_INCREMENT,
     name VARCHAR(50) NOT NULL,
     location POINT ${onMysql ? 'NOT NULL SRID 4326' : 'REF_SYSTEM_ID=4326 NOT NULL'},
     area POLYGON NULL,
     SPATIAL INDEX (location)
   ) ENGINE=InnoDB`,
  `INSERT INTO places (name, location, area) VALUES
     ('origin', ST_GeomFromText('POINT(0 0)', 4326), NULL),
     ('berlin', ST_GeomFromText('POINT(13.404954 52.520008)', 4326),
       ST_GeomFromText('POLYGON((13 52,14 52,14 53,13 53,13 52))', 4326))`,
  // Circular foreign keys, with rows that point at each other.
  'CREATE TABLE departments (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, head_id INT NULL) ENGINE=InnoDB',
  `CREATE TABLE employees (id INT PRIMARY KEY, name VARCHAR(50) NOT NULL, department_id INT NOT NULL,
     CONSTRAINT employees_department FOREIGN KEY (department_id) REFERENCES departments (id)) ENGINE=InnoDB`,
  'ALTER TABLE departments ADD CONSTRAINT departments_head FOREIGN KEY (head_id) REFERENCES employees (id)',
  "INSERT INTO departments VALUES (1, 'engineering', NULL), (2, 'sales', NULL)",
  "INSERT INTO employees VALUES (10, 'Ada', 1), (20, 'Grace', 2)",
  'UPDATE departments SET head_id = id * 10',
  // Full-text index.
  `CREATE TABLE articles (id INT PRIMARY KEY AUTO_INCREMENT, title VARCHAR(200) NOT NULL, body TEXT NOT NULL,
     FULLTEXT INDEX articles_text (title, body)) ENGINE=InnoDB`,
  `INSERT INTO articles (title, body) VALUES ('Backups done right', 'consistent snapshots and verified restores'),
     ('Databases', 'tables rows and indexes'), ('Cooking', 'bread butter jam')`,
  // TIMESTAMP ... ON UPDATE: restored rows keep their values, the clause is kept.
  `CREATE TABLE sessions (id INT PRIMARY KEY,
     touched_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
     created_at TIMESTAMP NOT NULL DEFAULT '2001-01-01 00:00:00') ENGINE=InnoDB`,
  "INSERT INTO sessions VALUES (1, '2020-05-05 05:05:05.555', '2019-01-01 00:00:00'), (2, '2021-06-06 06:06:06.666', DEFAULT)",
  // DEFINER clauses on a view, a trigger and a routine, naming a user the restoring user cannot act as.
  `CREATE DEFINER=\`${definer}\`@\`%\` SQL SECURITY INVOKER VIEW department_heads AS
     SELECT d.name AS department, e.name AS head FROM departments d JOIN employees e ON e.id = d.head_id`,
  `CREATE DEFINER=\`${definer}\`@\`%\` TRIGGER sessions_touch BEFORE UPDATE ON sessions FOR EACH ROW
     SET NEW.created_at = OLD.created_at`,
  // Version comments: MariaDB skips /*!50705 ... */ (MySQL 5.7+) and runs /*!100000 ... */; a ';' and the word
  // DEFINER inside strings; the body must come back byte for byte and behave the same.
  `CREATE DEFINER=\`${definer}\`@\`%\` FUNCTION trap_text() RETURNS VARCHAR(200) DETERMINISTIC
   BEGIN
     DECLARE result VARCHAR(200) DEFAULT 'DEFINER=\`x\`@\`y\`; not a clause';
     /*!50705 SET result = 'mysql 5.7 path'; */
     /*!100000 SET result = CONCAT(result, ' + mariadb path'); */
     RETURN result;
   END`,
  `CREATE PROCEDURE trap_procedure(OUT answer INT)
   BEGIN
     SET answer = 41 /*!50705 + 1000 */ /*!100000 + 1 */;
   END`,
  // A non-transactional table: backed up, with a warning naming it.
  'CREATE TABLE legacy_counters (name VARCHAR(20) PRIMARY KEY, value INT NOT NULL) ENGINE=MyISAM',
  "INSERT INTO legacy_counters VALUES ('visits', 42)",
]

beforeAll(async () => {
  test = await createTestDatabase({ serverUrl })
  await runStatements(serverUrl, test.name, [
    `CREATE USER IF NOT EXISTS '${definer}'@'%'`,
    `GRANT SELECT, EXECUTE ON \`${test.name}\`.* TO '${definer}'@'%'`,
    ...TRAPS,
  ])
  ;({ account: restorerAccount, definer: restorerDefiner } = await createLoginUser(
    serverUrl,
    restorer,
    restorerPassword,
  ))
  await runStatements(serverUrl, test.name, [
    `GRANT ALL PRIVILEGES ON \`${test.name}%\`.* TO ${restorerAccount}`,
    `GRANT ALL PRIVILEGES ON \`ktr\\_%\`.* TO ${restorerAccount}`,
  ])
  const [settings] = await query<{ logBin: number; trusted: number }>(
    test.name,
    'SELECT @@log_bin AS logBin, @@log_bin_trust_function_creators AS trusted',
  )
  binlogNeedsSuper = Number(settings?.logBin) === 1 && Number(settings?.trusted) === 0
  directory = await mkdtemp(join(tmpdir(), 'kt-traps-'))
  backup = await createBackup(test.database, { directory })
  target = `${test.name}_r`
  // Restored by a user without SUPER or SET USER: kept DEFINERs would make this fail.
  const url = new URL(serverUrl)
  url.username = restorer
  url.password = restorerPassword
  const restore = async (): Promise<{ error: unknown; rows: number } | undefined> => {
    const restoring = createDatabase({ url: url.toString() })
    let rows = 0
    try {
      await restoreBackup(restoring, {
        manifest: backup.manifestPath,
        target,
        onProgress: (progress) => {
          rows = progress.rows
        },
      })
      return undefined
    } catch (error) {
      return { error, rows }
    } finally {
      await restoring.close()
    }
  }
  refusal = await restore()
  if (binlogNeedsSuper) {
    // With a binary log and log_bin_trust_function_creators off, the server lets only SUPER create functions and
    // triggers (whatever their DEFINER): grant it, as the restore's error advises, and restore again.
    await runStatements(serverUrl, test.name, [`GRANT SUPER ON *.* TO ${restorerAccount}`])
    const second = await restore()
    if (second !== undefined) throw second.error
  } else if (refusal !== undefined) throw refusal.error
  before = await snapshotDatabase(serverUrl, test.name)
  after = await snapshotDatabase(serverUrl, target)
})

afterAll(async () => {
  await dropDatabases(serverUrl, [target].filter(Boolean))
  await runStatements(serverUrl, test.name, [
    `DROP USER IF EXISTS '${definer}'@'%'`,
    ...(restorerAccount ? [`DROP USER IF EXISTS ${restorerAccount}`] : []),
  ])
  await test?.destroy()
  if (directory) await rm(directory, { recursive: true, force: true })
})

/** Runs statements on one connection and returns the rows of the last. */
async function query<T>(database: string, ...statements: string[]): Promise<T[]> {
  const connection = await createConnection({ uri: serverUrl, database })
  try {
    let rows: unknown
    for (const statement of statements) [rows] = await connection.query(statement)
    return rows as T[]
  } finally {
    await connection.end()
  }
}

describe('backup of real-schema traps', () => {
  it('keeps every table bit for bit, with the same DDL', () => {
    expect(after.tables).toEqual(before.tables)
  })

  it('keeps spatial columns with their SRID and the SPATIAL index', async () => {
    const sql =
      'SELECT name, ST_AsText(location) AS p, ST_SRID(location) AS srid, ST_AsText(area) AS a FROM places ORDER BY id'
    expect(await query(target, sql)).toEqual(await query(test.name, sql))
    expect((await query<{ srid: number }>(target, sql))[1]).toMatchObject({ srid: 4326 })
    expect(after.tables.places?.create).toContain('SPATIAL KEY `location` (`location`)')
  })

  it('restores circular foreign keys and their rows', async () => {
    expect(after.tables.departments?.create).toContain(
      'CONSTRAINT `departments_head` FOREIGN KEY (`head_id`) REFERENCES `employees` (`id`)',
    )
    expect(after.tables.employees?.create).toContain('REFERENCES `departments` (`id`)')
    expect(await query(target, 'SELECT * FROM department_heads ORDER BY department')).toEqual([
      { department: 'engineering', head: 'Ada' },
      { department: 'sales', head: 'Grace' },
    ])
    // The constraints are live in the restored copy.
    await expect(query(target, 'INSERT INTO employees VALUES (30, "Alan", 99)')).rejects.toThrow(
      /foreign key constraint fails/,
    )
  })

  it('rebuilds full-text indexes', async () => {
    const sql = "SELECT id FROM articles WHERE MATCH (title, body) AGAINST ('snapshots')"
    expect(await query(target, sql)).toEqual([{ id: 1 }])
    expect(after.tables.articles?.create).toContain('FULLTEXT KEY `articles_text` (`title`,`body`)')
  })

  it('keeps TIMESTAMP ... ON UPDATE values as they were, and the clause', async () => {
    const sql =
      'SELECT id, CAST(touched_at AS CHAR) AS t, CAST(created_at AS CHAR) AS c FROM sessions ORDER BY id'
    expect(await query(target, sql)).toEqual(await query(test.name, sql))
    // MariaDB prints the function in lower case, MySQL in upper case.
    expect(after.tables.sessions?.create).toMatch(/ON UPDATE current_timestamp\(3\)/i)
  })

  it('strips DEFINER clauses so a user without SUPER can restore, and leaves bodies alone', async () => {
    const definers = await query<{ definer: string }>(
      target,
      `SELECT DEFINER AS definer FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()
       UNION ALL SELECT DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
       UNION ALL SELECT DEFINER FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()`,
    )
    expect(definers.length).toBe(4)
    for (const row of definers) expect(row.definer).toBe(restorerDefiner)
    expect(after.views).toEqual(before.views)
    expect(after.triggers).toEqual(before.triggers)
    expect(after.routines).toEqual(before.routines)
  })

  it('keeps version comments in bodies as written, so they behave the same', async () => {
    const call = 'SELECT trap_text() AS text'
    // MySQL runs /*!50705 ... */ and skips /*!100000 ... */ (a version above its own); MariaDB the other way round.
    expect(await query(target, call)).toEqual([
      { text: onMysql ? 'mysql 5.7 path' : 'DEFINER=`x`@`y`; not a clause + mariadb path' },
    ])
    expect(await query(target, call)).toEqual(await query(test.name, call))
    // MariaDB stores the body with version comments already resolved; the copy must store the same text.
    expect(after.routines['PROCEDURE trap_procedure']).toBe(before.routines['PROCEDURE trap_procedure'])
    for (const database of [test.name, target]) {
      const answer = await query(database, 'CALL trap_procedure(@answer)', 'SELECT @answer AS answer')
      expect(answer).toEqual([{ answer: onMysql ? 1041 : 42 }])
    }
  })

  it('refuses early, naming the cure, where the binary log makes creating functions and triggers need SUPER', async (context) => {
    if (!binlogNeedsSuper) {
      context.skip(
        'this server writes no binary log or trusts function creators: creating functions needs no SUPER',
      )
    }
    expect(RestoreFailedError.is(refusal?.error)).toBe(true)
    const message = String((refusal?.error as Error | undefined)?.message)
    expect(message).toContain('log_bin_trust_function_creators')
    expect(message).toContain('SUPER')
    expect(message).toContain('function trap_text')
    expect(message).toContain('trigger sessions_touch')
    // Found before any row was loaded, and nothing was left behind.
    expect(refusal?.rows).toBe(0)
    const leftovers = await query<{ name: string }>(
      test.name,
      `SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'ktr\\_%${target}'`,
    )
    expect(leftovers).toEqual([])
  })

  it('warns about tables outside the snapshot', () => {
    expect(backup.manifest.warnings.join('\n')).toContain('legacy_counters (MyISAM)')
    expect(after.tables.legacy_counters?.rows).toBe(1)
  })
})
