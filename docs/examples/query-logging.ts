import { Kysely, MysqlDialect, sql } from 'kysely'
import {
  combineLogs,
  createDatabase,
  createQueryLogger,
  createQueryMetrics,
  DEFAULT_SENSITIVE_COLUMNS,
  logConsoleStyle,
  logPinoStyle,
  QueryLogDialect,
} from 'kysely-toolkit'
import { createPool } from 'mysql2'
import pino from 'pino'
import type { DB } from '../../example/generated/db.js' // your generated types (kysely-toolkit codegen)

/**
 * Query logging with pino: slow queries at warn, failures at error, passwords and SSNs redacted.
 * `destination` is where pino writes (stdout in an app; the test passes a collector).
 */
export async function logQueriesWithPino(
  url: string,
  destination: { write(line: string): void },
): Promise<void> {
  // #region pino
  const logger = pino({ level: 'debug' }, destination)
  const queryLogger = createQueryLogger({
    logger: logPinoStyle(logger),
    slowQueryMs: 200, // warn from 200 ms (defaults to 1,000)
    sampleRate: 1, // write every normal query (e.g. 0.01 in production)
    redact: { columns: [...DEFAULT_SENSITIVE_COLUMNS, 'email'] },
  })
  // createDatabase calls `log` through QueryLogDialect: events carry rowCount and affectedRows, no plugin needed
  const database = createDatabase<DB>({ url, log: queryLogger.log })
  // #endregion pino
  try {
    // #region queries
    await database.db
      .updateTable('users')
      .set({ password_hash: 'argon2id$v=19$...' })
      .where('email', '=', 'user1@example.com')
      .execute()
    // {"level":20,"kind":"update","table":"users",
    //  "sql":"update `users` set `password_hash` = ? where `email` = ?",
    //  "parameters":["[REDACTED]","[REDACTED]"],"durationMs":0.9,"rowCount":0,"affectedRows":1,
    //  "msg":"query: update users (0.9 ms)"}
    await sql`select sleep(${0.25})`.execute(database.db)
    // {"level":40,...,"sql":"select sleep(?)","slow":true,"msg":"slow query: select (250.6 ms)"}
    await sql`selec 1`.execute(database.db).catch(() => {})
    // {"level":50,...,"error":{"code":"ER_PARSE_ERROR","errno":1064,"sqlState":"42000","message":"You have an error..."}}
    // #endregion queries
  } finally {
    await database.close()
  }
}

/** Console-style logging combined with a log function of your own. */
export async function logQueriesToConsole(
  url: string,
  target: Pick<Console, 'debug' | 'warn' | 'error'>,
  onEvent: (sql: string) => void,
): Promise<void> {
  // #region console
  const queryLogger = createQueryLogger({ logger: logConsoleStyle(target) })
  const database = createDatabase<DB>({
    url,
    log: combineLogs(queryLogger.log, (event) => onEvent(event.query.sql)),
  })
  // #endregion console
  try {
    await database.db.selectFrom('users').select('id').where('id', '=', 1).execute()
  } finally {
    await database.close()
  }
}

/** Logging and metrics on a Kysely of your own, through QueryLogDialect; returns the row count the event carried. */
export async function logWithYourOwnKysely(
  url: string,
  target: Pick<Console, 'debug' | 'warn' | 'error'>,
): Promise<{ queries: number }> {
  // #region own-kysely
  const queryLogger = createQueryLogger({ logger: logConsoleStyle(target) })
  const metrics = createQueryMetrics()
  const db = new Kysely<DB>({
    dialect: new QueryLogDialect({
      dialect: new MysqlDialect({ pool: createPool({ uri: url }) }),
      log: combineLogs(queryLogger.log, metrics.log), // one timing per query for both, row counts included
    }),
  })
  // #endregion own-kysely
  try {
    await db.selectFrom('users').select('id').where('id', '<=', 2).execute()
    return { queries: metrics.snapshot().queries }
  } finally {
    await db.destroy()
  }
}
