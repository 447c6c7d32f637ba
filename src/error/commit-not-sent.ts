/**
 * Kysely's `db.transaction().execute()` sends ROLLBACK after a failed COMMIT and, when that fails too, throws
 * ROLLBACK's error: on a connection mysql2 knows is closed both are refused the same way, which hides whether COMMIT
 * left. The toolkit's pool sees COMMIT's own error, and marks the refused ROLLBACK that follows a refused COMMIT,
 * so `transaction()` can tell "never committed, retry" from "the outcome is unknown".
 */
const COMMIT_NOT_SENT = Symbol.for('kysely-toolkit.commitNotSent')

/** mysql2 refused a command without sending it: the connection was already known to be closed. */
export function isRefusedOnClosedConnection(error: unknown): boolean {
  return error instanceof Error && error.message.includes('connection is in closed state')
}

/**
 * Marks `error` (a refused ROLLBACK) as following a COMMIT that was refused too, so never sent.
 *
 * @internal
 */
export function markCommitNotSent(error: Error): void {
  Object.defineProperty(error, COMMIT_NOT_SENT, { value: true })
}

/**
 * Whether the toolkit's pool knows that COMMIT was never sent before `error`.
 *
 * @internal
 */
export function isCommitNotSent(error: unknown): boolean {
  return error instanceof Error && COMMIT_NOT_SENT in error
}
