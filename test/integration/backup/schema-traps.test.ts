import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createConnection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type BackupResult, createBackup, restoreBackup } from '../../../src/backup/index.js'
import { createDatabase } from '../../../src/database/create-database.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/test-database.js'
import { type DatabaseSnapshot, dropDatabases, runStatements, snapshotDatabase } from './compare.js'

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

const TRAPS = [
  // Spatial: SRID, a SPATIAL index (NOT NULL column), every geometry kind.
  `CREATE TABLE places (
     id INT PRIMARY KEY AUTO_INCREMENT,
     name VARCHAR(50) NOT NULL,
     location POINT REF_SYSTEM_ID=4326 NOT NULL,
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
    `CREATE USER '${restorer}'@'%' IDENTIFIED BY '${restorerPassword}'`,
    `GRANT ALL PRIVILEGES ON \`${test.name}%\`.* TO '${restorer}'@'%'`,
    `GRANT ALL PRIVILEGES ON \`ktr\\_%\`.* TO '${restorer}'@'%'`,
    ...TRAPS,
  ])
  directory = await mkdtemp(join(tmpdir(), 'kt-traps-'))
  backup = await createBackup(test.database, { directory })
  target = `${test.name}_r`
  // Restored by a user without SUPER or SET USER: kept DEFINERs would make this fail.
  const url = new URL(serverUrl)
  url.username = restorer
  url.password = restorerPassword
  const restoring = createDatabase({ url: url.toString() })
  try {
    await restoreBackup(restoring, { manifest: backup.manifestPath, target })
  } finally {
    await restoring.close()
  }
  before = await snapshotDatabase(serverUrl, test.name)
  after = await snapshotDatabase(serverUrl, target)
})

afterAll(async () => {
  await dropDatabases(serverUrl, [target].filter(Boolean))
  await runStatements(serverUrl, test.name, [
    `DROP USER IF EXISTS '${definer}'@'%'`,
    `DROP USER IF EXISTS '${restorer}'@'%'`,
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
    expect(after.tables.sessions?.create).toContain('ON UPDATE current_timestamp(3)')
  })

  it('strips DEFINER clauses so a user without SUPER can restore, and leaves bodies alone', async () => {
    const definers = await query<{ definer: string }>(
      target,
      `SELECT DEFINER AS definer FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()
       UNION ALL SELECT DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
       UNION ALL SELECT DEFINER FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()`,
    )
    expect(definers.length).toBe(4)
    for (const row of definers) expect(row.definer).toBe(`${restorer}@%`)
    expect(after.views).toEqual(before.views)
    expect(after.triggers).toEqual(before.triggers)
    expect(after.routines).toEqual(before.routines)
  })

  it('keeps version comments in bodies as written, so they behave the same', async () => {
    const call = 'SELECT trap_text() AS text'
    expect(await query(target, call)).toEqual([{ text: 'DEFINER=`x`@`y`; not a clause + mariadb path' }])
    expect(await query(target, call)).toEqual(await query(test.name, call))
    // MariaDB stores the body with version comments already resolved; the copy must store the same text.
    expect(after.routines['PROCEDURE trap_procedure']).toBe(before.routines['PROCEDURE trap_procedure'])
    for (const database of [test.name, target]) {
      const answer = await query(database, 'CALL trap_procedure(@answer)', 'SELECT @answer AS answer')
      expect(answer).toEqual([{ answer: 42 }])
    }
  })

  it('warns about tables outside the snapshot', () => {
    expect(backup.manifest.warnings.join('\n')).toContain('legacy_counters (MyISAM)')
    expect(after.tables.legacy_counters?.rows).toBe(1)
  })
})
