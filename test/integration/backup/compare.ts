import { createConnection } from 'mysql2/promise'

/** Everything about one database that a backup must keep, for comparing a source and its restored copy. */
export interface DatabaseSnapshot {
  readonly tables: Record<
    string,
    { checksum: string; rows: number; autoIncrement: string | null; create: string }
  >
  readonly views: Record<string, string>
  readonly triggers: Record<string, string>
  readonly routines: Record<string, string>
}

const DEFINER = /\s+DEFINER=`(?:[^`]|``)*`@`(?:[^`]|``)*`/

/** Reads a {@link DatabaseSnapshot} of `database` on the server at `serverUrl`. */
export async function snapshotDatabase(serverUrl: string, database: string): Promise<DatabaseSnapshot> {
  const connection = await createConnection({
    uri: serverUrl,
    database,
    supportBigNumbers: true,
    bigNumberStrings: true,
  })
  try {
    const [tableRows] = await connection.query<never[]>(
      "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
      [database],
    )
    const tables: DatabaseSnapshot['tables'] = {}
    for (const { name } of tableRows as { name: string }[]) {
      const [[checksum]] = (await connection.query(`CHECKSUM TABLE \`${name}\``)) as unknown as [
        { Checksum: string | number }[],
      ]
      const [[count]] = (await connection.query(`SELECT COUNT(*) AS n FROM \`${name}\``)) as unknown as [
        { n: number }[],
      ]
      const [[created]] = (await connection.query(`SHOW CREATE TABLE \`${name}\``)) as unknown as [
        Record<string, string>[],
      ]
      const create = created!['Create Table']!
      tables[name] = {
        checksum: String(checksum!.Checksum),
        rows: Number(count!.n),
        autoIncrement: /AUTO_INCREMENT=(\d+)/.exec(create)?.[1] ?? null,
        create,
      }
    }
    const views: Record<string, string> = {}
    const [viewRows] = (await connection.query(
      'SELECT TABLE_NAME AS name FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ?',
      [database],
    )) as unknown as [{ name: string }[]]
    for (const { name } of viewRows) {
      const [[created]] = (await connection.query(`SHOW CREATE VIEW \`${name}\``)) as unknown as [
        Record<string, string>[],
      ]
      views[name] = created!['Create View']!.replace(DEFINER, '')
    }
    const triggers: Record<string, string> = {}
    const [triggerRows] = (await connection.query(
      'SELECT TRIGGER_NAME AS name, EVENT_OBJECT_TABLE AS tbl, ACTION_TIMING AS timing, EVENT_MANIPULATION AS event, ACTION_STATEMENT AS body, SQL_MODE AS mode FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?',
      [database],
    )) as unknown as [
      { name: string; tbl: string; timing: string; event: string; body: string; mode: string }[],
    ]
    for (const row of triggerRows)
      triggers[row.name] = `${row.timing} ${row.event} ON ${row.tbl} [${row.mode}]: ${row.body}`
    const routines: Record<string, string> = {}
    const [routineRows] = (await connection.query(
      'SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS type, ROUTINE_DEFINITION AS body, SQL_MODE AS mode, SECURITY_TYPE AS security FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?',
      [database],
    )) as unknown as [{ name: string; type: string; body: string; mode: string; security: string }[]]
    for (const row of routineRows)
      routines[`${row.type} ${row.name}`] = `[${row.mode}] ${row.security}: ${row.body}`
    return { tables, views, triggers, routines }
  } finally {
    await connection.end()
  }
}

/**
 * A derived table `numbers(n)` of the integers 1 to `count`, in SQL both servers run: MariaDB's `seq_1_to_N`
 * tables do not exist on MySQL, and MySQL stops recursive CTEs at 1000 rows unless a session variable MariaDB
 * does not have is raised. Cross joins of the digits 0 to 9 need neither.
 *
 * @example `INSERT INTO t (id) SELECT n FROM ${numbersTable(500)}`
 */
export function numbersTable(count: number): string {
  const places = Math.max(1, Math.ceil(Math.log10(count + 1)))
  const digits =
    'SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9'
  const joins = Array.from({ length: places }, (_, place) => `(${digits}) d${place}`).join(' CROSS JOIN ')
  const value = Array.from({ length: places }, (_, place) => `d${place}.d * ${10 ** place}`).join(' + ')
  return `(SELECT n FROM (SELECT ${value} + 1 AS n FROM ${joins}) digits WHERE n <= ${count}) numbers`
}

/**
 * Creates a login user for the tests, as `'<name>'@'<host>'` where host is the one the server sees this client
 * connect from (`USER()`): a server's anonymous users (`''@'localhost'`, made by MariaDB's default install) are
 * more specific than `'<name>'@'%'` and would take the login instead. Returns the account (`'name'@'host'`) to
 * grant to and drop, and the `user@host` text information_schema shows as DEFINER of its objects.
 */
export async function createLoginUser(
  serverUrl: string,
  name: string,
  password: string,
): Promise<{ account: string; definer: string }> {
  const connection = await createConnection({ uri: serverUrl })
  try {
    const [[row]] = (await connection.query('SELECT USER() AS user')) as unknown as [{ user: string }[]]
    const host = row!.user.slice(row!.user.lastIndexOf('@') + 1)
    const account = `${connection.escape(name)}@${connection.escape(host)}`
    await connection.query(`CREATE USER ${account} IDENTIFIED BY ${connection.escape(password)}`)
    return { account, definer: `${name}@${host}` }
  } finally {
    await connection.end()
  }
}

/** Runs statements on a database, one by one. */
export async function runStatements(
  serverUrl: string,
  database: string,
  statements: readonly string[],
): Promise<void> {
  const connection = await createConnection({ uri: serverUrl, database })
  try {
    for (const statement of statements) await connection.query(statement)
  } finally {
    await connection.end()
  }
}

/** Drops databases, ignoring ones that do not exist. */
export async function dropDatabases(serverUrl: string, names: readonly string[]): Promise<void> {
  const connection = await createConnection({ uri: serverUrl })
  try {
    for (const name of names) await connection.query(`DROP DATABASE IF EXISTS \`${name}\``)
  } finally {
    await connection.end()
  }
}

/** Whether a database exists. */
export async function databaseExists(serverUrl: string, name: string): Promise<boolean> {
  const connection = await createConnection({ uri: serverUrl })
  try {
    const [rows] = (await connection.query(
      'SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [name],
    )) as unknown as [unknown[]]
    return rows.length > 0
  } finally {
    await connection.end()
  }
}
