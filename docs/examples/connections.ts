// The examples of docs/connections.md, run by docs/examples/connections.test.ts against a real server.
// #region create
import { createDatabase, type Database } from 'kysely-toolkit'
import type { DB } from '../../example/generated/db.js' // your generated types (kysely-toolkit codegen)

/** The application's database: one pool for the process, made at startup. */
export function openDatabase(env: { DATABASE_URL?: string | undefined } = process.env): Database<DB> {
  if (env.DATABASE_URL === undefined) throw new Error('DATABASE_URL is not set')
  return createDatabase<DB>({
    url: env.DATABASE_URL, // mysql://user:password@host:3306/database (percent-encode special characters)
    pool: { max: 20, acquireTimeoutMs: 2_000 }, // a query waits at most 2 s for a connection: PoolTimeoutError
  })
}
// #endregion create

// #region health
/** A readiness probe: `health()` never throws, and answers within `timeoutMs` even when the server hangs. */
export async function readiness(database: Database<DB>): Promise<{ status: 200 | 503; body: string }> {
  const report = await database.health({ timeoutMs: 1_000 })
  // { status: 'healthy', latencyMs: 0.4, serverVersion: '10.11.6-MariaDB', pool: { ... }, error: undefined, ... }
  if (report.status === 'healthy') return { status: 200, body: `ok ${report.serverVersion}` }
  return { status: 503, body: `${report.error?.code}: ${report.error?.message}` }
}
// #endregion health

// #region close
/** At shutdown (closeOnSignals does this on SIGTERM and SIGINT). */
export async function shutDown(database: Database<DB>): Promise<void> {
  // Refuses new queries (DatabaseClosedError), lets running ones finish up to shutdown.timeoutMs, ends the pool.
  await database.close()
}
// #endregion close
