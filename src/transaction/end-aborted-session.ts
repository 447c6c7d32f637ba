import { CompiledQuery, type DatabaseConnection } from 'kysely'

/**
 * Runs `consumer` on a connection other than the transaction's (Kysely's control connection provider): the
 * transaction's own connection is busy with the statement that is being cancelled.
 */
export type ControlConnections = (consumer: (control: DatabaseConnection) => Promise<void>) => Promise<void>

/** The server's thread id of each connection that ran a transaction with a deadline, read once per connection. */
const threadIds = new WeakMap<DatabaseConnection, number>()

/**
 * Reads and keeps the server's id of `connection`'s session (one `SELECT CONNECTION_ID()` for the connection's
 * life), so that {@link endAbortedSession} can wait for the server to end that session.
 */
export async function rememberThreadId(connection: DatabaseConnection): Promise<void> {
  if (threadIds.has(connection)) return
  const { rows } = await connection.executeQuery<{ id: unknown }>(
    CompiledQuery.raw('select connection_id() as id'),
  )
  const id = Number(rows[0]?.id)
  if (Number.isSafeInteger(id) && id > 0) threadIds.set(connection, id)
}

/** How often, and at most how long, {@link endAbortedSession} looks for the killed session. */
const POLL_MS = 5
const WAIT_MS = 2_000

/**
 * Ends the session of a transaction attempt that was aborted before COMMIT: `KILL CONNECTION` from a control
 * connection, so that the server rolls the transaction back and nothing the callback sends later, or has queued
 * behind the running statement, can run on that session outside the transaction.
 *
 * Cancelling only the statement (`KILL QUERY`) is not enough: Oracle MySQL ends a killed `SLEEP()` as a success,
 * the callback goes on, and its next statement, queued behind Kysely's ROLLBACK, autocommits.
 *
 * The server closes the socket, so the driver fails the running statement and everything queued behind it (the
 * callback's awaits settle; the pool drops the connection). The server ends a killed session asynchronously: this
 * waits (up to 2 s) until the session has left the process list, so that its row locks are free when the caller
 * learns of the timeout. Errors are ignored: the caller's error is the timeout.
 *
 * Without the session's id (a driver whose connection cannot run the first query), the driver's own `killSession`
 * or `cancelQuery` is used.
 */
export async function endAbortedSession(
  connection: DatabaseConnection,
  control: ControlConnections,
): Promise<void> {
  const threadId = threadIds.get(connection)
  if (threadId === undefined) {
    const end = connection.killSession ?? connection.cancelQuery
    await end?.call(connection, control).catch(ignore)
    return
  }
  const kill = CompiledQuery.raw('kill connection ?', [threadId])
  await control(async (other) => {
    await other.executeQuery(kill)
  }).catch(ignore)
  await waitUntilSessionEnds(threadId, control).catch(ignore)
}

async function waitUntilSessionEnds(threadId: number, control: ControlConnections): Promise<void> {
  const query = CompiledQuery.raw('select count(*) as n from information_schema.processlist where id = ?', [
    threadId,
  ])
  const until = performance.now() + WAIT_MS
  while (performance.now() < until) {
    let alive = false
    await control(async (connection) => {
      const { rows } = await connection.executeQuery<{ n: unknown }>(query)
      alive = Number(rows[0]?.n) > 0
    })
    if (!alive) return
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}

function ignore(): void {}
