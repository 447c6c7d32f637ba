import {
  type AccessMode,
  type DatabaseConnection,
  type IsolationLevel,
  type Kysely,
  sql,
  type Transaction,
} from 'kysely'
import { z } from 'zod'
import { isCommitNotSent } from '../error/commit-not-sent.js'
import { CommitOutcomeUnknownError } from '../error/commit-outcome-unknown-error.js'
import { InvalidOptionsError } from '../error/invalid-options-error.js'
import { isConnectionLostError } from '../error/mysql-errors.js'
import { TransactionAbortedError } from '../error/transaction-aborted-error.js'
import { TransactionRetriesExhaustedError } from '../error/transaction-retries-exhausted-error.js'
import { TransactionTimeoutError } from '../error/transaction-timeout-error.js'
import { parseOptions } from '../util/parse-options.js'
import { type Backoff, fullJitterBackoff } from './backoff.js'
import { type ControlConnections, endAbortedSession, rememberThreadId } from './end-aborted-session.js'
import { type RetryReason, retryReasonOf } from './retry-reason.js'

/**
 * The isolation levels MySQL and MariaDB support (Kysely's list without SQL Server's `snapshot`).
 *
 * @example
 * ```ts
 * import { ISOLATION_LEVELS, transaction } from 'kysely-toolkit'
 *
 * const level = ISOLATION_LEVELS.find((candidate) => candidate === process.env.TX_LEVEL) ?? 'repeatable read'
 * await transaction(db, work, { isolationLevel: level })
 * ```
 */
export const ISOLATION_LEVELS = [
  'read uncommitted',
  'read committed',
  'repeatable read',
  'serializable',
] as const

/**
 * The access modes of a transaction.
 *
 * @example
 * ```ts
 * import { ACCESS_MODES } from 'kysely-toolkit'
 *
 * ACCESS_MODES.includes('read only') // true
 * ```
 */
export const ACCESS_MODES = ['read only', 'read write'] as const

/**
 * Work to run once a transaction has ended; awaited in registration order.
 *
 * @example
 * ```ts
 * const invalidate: TransactionHook = () => cache.delete(`user:${id}`)
 * ```
 */
export type TransactionHook = () => void | Promise<void>

/**
 * Which user function failed, as told to {@link TransactionOptions.onHookError}.
 *
 * @example
 * ```ts
 * const onHookError = (error: unknown, hook: TransactionHookKind) => logger.warn({ error, hook }, 'hook failed')
 * ```
 */
export type TransactionHookKind = 'afterCommit' | 'afterRollback' | 'onRetry' | 'onSettled'

/**
 * Given to the callback of {@link transaction} with the transaction itself. One context per attempt: hooks
 * registered by an attempt that is retried are dropped with it.
 *
 * @example
 * ```ts
 * await transaction(db, async (trx, { attempt, afterCommit }) => {
 *   await trx.insertInto('orders').values({ user_id: 1 }).execute()
 *   afterCommit(() => console.log(`order placed (attempt ${attempt})`))
 * })
 * ```
 */
export interface TransactionContext {
  /** The attempt running, from 1. */
  readonly attempt: number
  /** 0 in the outermost transaction, 1 in a savepoint inside it, and so on. */
  readonly depth: number
  /**
   * Aborted when the transaction's `timeoutMs` passes or its `signal` aborts; pass it on to other slow work
   * (`fetch`, a query's `{ signal }`). `undefined` when neither was set.
   */
  readonly signal: AbortSignal | undefined
  /**
   * Runs `hook` once after the outermost transaction commits, never when it rolls back, never for an attempt
   * that is retried, and not when this scope is a savepoint that was rolled back. Put side effects here (emails,
   * messages, cache invalidation): the callback itself may run more than once.
   */
  afterCommit(hook: TransactionHook): void
  /**
   * Runs `hook` once after the work of this scope was rolled back for good: the outermost transaction failed
   * (and is not retried), or this savepoint was rolled back (then it runs when the outermost transaction ends).
   */
  afterRollback(hook: TransactionHook): void
}

/**
 * The work of a transaction. It may run more than once (see {@link transaction}).
 *
 * @example
 * ```ts
 * const archiveOrders: TransactionCallback<DB, number> = async (trx) => {
 *   const result = await trx.deleteFrom('orders').where('status', '=', 'cancelled').executeTakeFirst()
 *   return Number(result.numDeletedRows)
 * }
 * ```
 */
export type TransactionCallback<DB, T> = (trx: Transaction<DB>, context: TransactionContext) => Promise<T>

/**
 * Told to {@link TransactionOptions.onRetry} before each retry.
 *
 * @example
 * ```ts
 * const onRetry = (event: TransactionRetryEvent) => retries.inc({ reason: event.reason })
 * ```
 */
export interface TransactionRetryEvent {
  /** The attempt that failed, from 1. */
  readonly attempt: number
  /** Why it is retried. */
  readonly reason: RetryReason
  /** How long the toolkit waits before the next attempt, in milliseconds. */
  readonly delayMs: number
  /** The error of the failed attempt. */
  readonly error: unknown
}

/**
 * How a transaction ended: committed, rolled back for good, or lost during COMMIT.
 *
 * @example
 * ```ts
 * const onSettled = (event: TransactionSettledEvent) => outcomes.inc({ outcome: event.outcome satisfies TransactionOutcome })
 * ```
 */
export type TransactionOutcome = 'committed' | 'rolled-back' | 'commit-unknown'

/**
 * Told to {@link TransactionOptions.onSettled} once per outermost transaction.
 *
 * @example
 * ```ts
 * const onSettled = (event: TransactionSettledEvent) => durations.observe({ outcome: event.outcome }, event.durationMs)
 * ```
 */
export interface TransactionSettledEvent {
  readonly outcome: TransactionOutcome
  /** How many times the callback ran. */
  readonly attempts: number
  /** From the call to the end of COMMIT or of the last rollback, hooks not included. */
  readonly durationMs: number
  /** The error thrown to the caller; `undefined` when committed. */
  readonly error: unknown
}

/**
 * Options of {@link transaction}. Nested calls (savepoints) take none of them.
 *
 * @example
 * ```ts
 * const REPORT_OPTIONS: TransactionOptions = { accessMode: 'read only', timeoutMs: 10_000, maxAttempts: 3 }
 * await transaction(db, buildReport, REPORT_OPTIONS)
 * ```
 */
export interface TransactionOptions {
  /** `SET TRANSACTION ISOLATION LEVEL ...` before BEGIN. Defaults to the session's level (REPEATABLE READ). */
  readonly isolationLevel?: (typeof ISOLATION_LEVELS)[number]
  /** `read only` lets InnoDB skip some bookkeeping and refuses writes. Defaults to the session's mode. */
  readonly accessMode?: AccessMode
  /** How many times the callback may run, the first included; `1` turns retrying off. Defaults to `5`. */
  readonly maxAttempts?: number
  /** The wait before each retry. Defaults to `fullJitterBackoff()` (20 ms base, 1 s cap, full jitter). */
  readonly backoff?: Backoff
  /**
   * The most time the whole transaction may take, retries and waits included, until COMMIT is sent. Past it the
   * running statement is cancelled, the transaction rolled back and {@link TransactionTimeoutError} thrown.
   * Defaults to no limit.
   */
  readonly timeoutMs?: number
  /** Aborts like `timeoutMs`, with {@link TransactionAbortedError}. Defaults to none. */
  readonly signal?: AbortSignal
  /** Called before each retry (metrics, logs). Errors it throws go to `onHookError`. Defaults to none. */
  readonly onRetry?: (event: TransactionRetryEvent) => void
  /**
   * Called once when the outermost transaction has ended, before the hooks run. Errors it throws go to
   * `onHookError`. Defaults to none.
   */
  readonly onSettled?: (event: TransactionSettledEvent) => void
  /**
   * Receives errors thrown by hooks and by `onRetry`/`onSettled`; they never change the outcome (a committed
   * transaction stays committed). Defaults to `console.error`.
   */
  readonly onHookError?: (error: unknown, hook: TransactionHookKind) => void
}

/**
 * {@link TransactionOptions} with the defaults filled in, frozen.
 *
 * @example
 * ```ts
 * const resolved: ResolvedTransactionOptions = resolveTransactionOptions({ timeoutMs: 2_000 })
 * resolved.maxAttempts // 5
 * ```
 */
export interface ResolvedTransactionOptions {
  readonly isolationLevel: IsolationLevel | undefined
  readonly accessMode: AccessMode | undefined
  readonly maxAttempts: number
  readonly backoff: Backoff
  readonly timeoutMs: number | undefined
  readonly signal: AbortSignal | undefined
  readonly onRetry: ((event: TransactionRetryEvent) => void) | undefined
  readonly onSettled: ((event: TransactionSettledEvent) => void) | undefined
  readonly onHookError: (error: unknown, hook: TransactionHookKind) => void
}

const DEFAULT_BACKOFF = fullJitterBackoff()

const defaultHookErrorHandler = (error: unknown, hook: TransactionHookKind): void => {
  console.error(
    `kysely-toolkit: a transaction's ${hook} hook failed (the transaction outcome is unchanged):`,
    error,
  )
}

const POSITIVE_INTEGER = 'must be a positive integer'
const fn = <F>(what: string) =>
  z.custom<F>((value) => typeof value === 'function', { error: `must be a function ${what}` })

const TransactionOptionsSchema = z.strictObject({
  isolationLevel: z
    .enum(ISOLATION_LEVELS, {
      error: `must be one of ${ISOLATION_LEVELS.map((level) => `'${level}'`).join(', ')}`,
    })
    .optional(),
  accessMode: z.enum(ACCESS_MODES, { error: "must be 'read only' or 'read write'" }).optional(),
  maxAttempts: z
    .number({ error: POSITIVE_INTEGER })
    .int({ error: POSITIVE_INTEGER })
    .min(1, { error: POSITIVE_INTEGER })
    .max(100, { error: 'must be at most 100' })
    .default(5),
  backoff: fn<Backoff>('(retry) => milliseconds').default(() => DEFAULT_BACKOFF),
  timeoutMs: z
    .number({ error: POSITIVE_INTEGER })
    .int({ error: POSITIVE_INTEGER })
    .positive({ error: POSITIVE_INTEGER })
    .optional(),
  signal: z.instanceof(AbortSignal, { error: 'must be an AbortSignal' }).optional(),
  onRetry: fn<(event: TransactionRetryEvent) => void>('(event) => void').optional(),
  onSettled: fn<(event: TransactionSettledEvent) => void>('(event) => void').optional(),
  onHookError: fn<(error: unknown, hook: TransactionHookKind) => void>('(error, hook) => void').default(
    () => defaultHookErrorHandler,
  ),
})

const DEFAULT_OPTIONS: ResolvedTransactionOptions = resolveFromSchema({})
/** Options objects already resolved: a constant options object is parsed once. */
const resolvedCache = new WeakMap<TransactionOptions, ResolvedTransactionOptions>()

function resolveFromSchema(input: unknown): ResolvedTransactionOptions {
  const parsed = parseOptions(TransactionOptionsSchema, input, 'transaction options')
  return Object.freeze({
    isolationLevel: parsed.isolationLevel,
    accessMode: parsed.accessMode,
    maxAttempts: parsed.maxAttempts,
    backoff: parsed.backoff,
    timeoutMs: parsed.timeoutMs,
    signal: parsed.signal,
    onRetry: parsed.onRetry,
    onSettled: parsed.onSettled,
    onHookError: parsed.onHookError,
  })
}

/**
 * Validates transaction options and fills in the defaults. {@link transaction} does this itself (once per options
 * object); call it to fail early, e.g. when the options come from configuration.
 *
 * @throws {InvalidOptionsError} naming every invalid field.
 *
 * @example
 * ```ts
 * import { resolveTransactionOptions } from 'kysely-toolkit'
 *
 * resolveTransactionOptions({ maxAttempts: 3 }).timeoutMs // undefined
 * ```
 */
export function resolveTransactionOptions(options: TransactionOptions = {}): ResolvedTransactionOptions {
  let resolved = resolvedCache.get(options)
  if (resolved === undefined) {
    resolved = resolveFromSchema(options)
    resolvedCache.set(options, resolved)
  }
  return resolved
}

/**
 * Runs `callback` in a transaction and commits it, retrying the whole callback on transient failures.
 *
 * - **Retried** (outermost transaction only, with capped exponential backoff and full jitter, at most
 *   `maxAttempts` runs): deadlocks (1213), lock wait timeouts (1205; the rest of the transaction is rolled back
 *   first, as InnoDB rolled back only the statement), serialization failures (1020, MariaDB 11.6+), and a
 *   connection lost before COMMIT was sent. When every attempt fails: {@link TransactionRetriesExhaustedError}
 *   with the number of attempts and the last error as `cause`.
 * - **Never retried**: any other error (a duplicate key, a failed check in your code...), thrown as it is after
 *   the rollback; and a connection lost while COMMIT was in flight, which is a {@link CommitOutcomeUnknownError}
 *   (the transaction may have committed). On a pool not made by `createDatabase`, a connection that died after the
 *   callback returned and before COMMIT is one too: there nothing tells whether COMMIT left.
 * - **Cost**: each attempt runs in Kysely's own `db.transaction().execute()`, with the same statements (BEGIN, your
 *   queries, COMMIT); the helper's bookkeeping adds about 2% to the JavaScript of a bare Kysely transaction
 *   (`timeoutMs` or `signal` about 10% more).
 * - **The callback may run more than once**: keep it free of side effects outside the database and register them
 *   with `context.afterCommit(fn)`; they run once, after the final commit.
 * - **Nested**: called with a transaction (`transaction(trx, ...)`) it runs the callback in a savepoint; when the
 *   callback throws, only the savepoint is rolled back and the error is rethrown, so the outer transaction can
 *   catch it and go on. A savepoint is never retried by itself: a deadlock inside it fails the outermost attempt,
 *   which is retried.
 * - **Timeout and abort**: past `timeoutMs`, or when `signal` aborts, before COMMIT is sent, the attempt's session
 *   is ended (`KILL CONNECTION`; the pool opens a new connection), so the server rolls the transaction back and no
 *   statement the callback sends afterwards can run; then {@link TransactionTimeoutError} /
 *   {@link TransactionAbortedError} is thrown, once the server has ended the session and freed its locks. (Only
 *   cancelling the statement is not enough: MySQL ends a killed `SLEEP()` as a success and the callback goes on.)
 *   Once COMMIT is sent the transaction is let finish.
 *
 * @throws {InvalidOptionsError} when an option is invalid, or a nested call is given options.
 *
 * @example
 * ```ts
 * import { transaction } from 'kysely-toolkit'
 *
 * const orderId = await transaction(db, async (trx, { afterCommit }) => {
 *   const { insertId } = await trx.insertInto('orders').values({ user_id: userId }).executeTakeFirstOrThrow()
 *   await trx.updateTable('users').set({ status: 'active' }).where('id', '=', userId).execute()
 *   afterCommit(() => mailer.send(userId, 'Thanks for your order'))
 *   return insertId
 * }, { isolationLevel: 'read committed', timeoutMs: 5_000 })
 * ```
 */
export function transaction<DB, T>(
  trx: Transaction<DB>,
  callback: TransactionCallback<DB, T>,
  options?: TransactionOptions,
): Promise<T>
export function transaction<DB, T>(
  db: Kysely<DB>,
  callback: TransactionCallback<DB, T>,
  options?: TransactionOptions,
): Promise<T>
export function transaction<DB, T>(
  db: Kysely<DB>,
  callback: TransactionCallback<DB, T>,
  options?: TransactionOptions,
): Promise<T> {
  if (db.isTransaction) return runNested(db as Transaction<DB>, callback, options)
  return runOutermost(
    db,
    callback,
    options === undefined ? DEFAULT_OPTIONS : resolveTransactionOptions(options),
  )
}

// ---------------------------------------------------------------------------------------------------------------
// Scopes: one per attempt of the outermost transaction, one per savepoint inside it.

/** The scope of the attempt running on each connection, so that nested calls find their parent. */
const scopes = new WeakMap<DatabaseConnection, Scope>()

class Scope {
  readonly root: Scope
  readonly depth: number
  readonly attempt: number
  readonly deadline: Deadline | undefined
  /** The hook lists are made on the first registration: most transactions register none. */
  commitHooks: TransactionHook[] | undefined
  rollbackHooks: TransactionHook[] | undefined
  /** Root only: afterRollback hooks of savepoints that were rolled back; they run however the root ends. */
  endHooks: TransactionHook[] | undefined
  /** Root only: an error that ended the whole transaction on the server, seen by a savepoint (deadlock...). */
  doomedBy: unknown
  childActive = false
  ended = false
  /** Made on first use: one per scope, handed to its callback. */
  #context: ScopeContext | undefined

  constructor(parent: Scope | undefined, attempt: number, deadline: Deadline | undefined) {
    this.root = parent?.root ?? this
    this.depth = parent === undefined ? 0 : parent.depth + 1
    this.attempt = attempt
    this.deadline = deadline
  }

  get context(): TransactionContext {
    if (this.#context === undefined) this.#context = new ScopeContext(this)
    return this.#context
  }

  registerCommitHook(hook: TransactionHook): void {
    this.commitHooks = this.#register(this.commitHooks, hook, 'afterCommit')
  }

  registerRollbackHook(hook: TransactionHook): void {
    this.rollbackHooks = this.#register(this.rollbackHooks, hook, 'afterRollback')
  }

  #register(
    hooks: TransactionHook[] | undefined,
    hook: TransactionHook,
    kind: TransactionHookKind,
  ): TransactionHook[] {
    if (typeof hook !== 'function') throw new TypeError(`${kind} needs a function (got ${typeof hook})`)
    if (this.ended) {
      throw new TypeError(
        `${kind} was called after its transaction attempt ended; register hooks inside the callback`,
      )
    }
    if (hooks === undefined) return [hook]
    hooks.push(hook)
    return hooks
  }

  /** A savepoint committed into its parent: its hooks now belong to the parent. */
  mergeInto(parent: Scope): void {
    parent.commitHooks = concatHooks(parent.commitHooks, this.commitHooks)
    parent.rollbackHooks = concatHooks(parent.rollbackHooks, this.rollbackHooks)
  }

  /** A savepoint rolled back: its afterRollback hooks run when the outermost transaction ends. */
  discardInto(root: Scope): void {
    root.endHooks = concatHooks(root.endHooks, this.rollbackHooks)
  }
}

/**
 * The {@link TransactionContext} of a scope. Its members are getters on the prototype, so making one costs a single
 * small object; `afterCommit` and `afterRollback` are bound to the scope on first read (they may be destructured).
 */
class ScopeContext implements TransactionContext {
  readonly #scope: Scope
  #afterCommit: ((hook: TransactionHook) => void) | undefined
  #afterRollback: ((hook: TransactionHook) => void) | undefined

  constructor(scope: Scope) {
    this.#scope = scope
  }

  get attempt(): number {
    return this.#scope.attempt
  }

  get depth(): number {
    return this.#scope.depth
  }

  /** The AbortController behind it is made only when someone asks for the signal. */
  get signal(): AbortSignal | undefined {
    return this.#scope.deadline?.signal
  }

  get afterCommit(): (hook: TransactionHook) => void {
    if (this.#afterCommit === undefined) {
      const scope = this.#scope
      this.#afterCommit = (hook) => scope.registerCommitHook(hook)
    }
    return this.#afterCommit
  }

  get afterRollback(): (hook: TransactionHook) => void {
    if (this.#afterRollback === undefined) {
      const scope = this.#scope
      this.#afterRollback = (hook) => scope.registerRollbackHook(hook)
    }
    return this.#afterRollback
  }
}

function concatHooks(
  first: TransactionHook[] | undefined,
  second: TransactionHook[] | undefined,
): TransactionHook[] | undefined {
  if (second === undefined) return first
  if (first === undefined) return [...second]
  first.push(...second)
  return first
}

/** A context for a savepoint inside a transaction this module did not start: hooks have nowhere to go. */
function detachedContext(depth: number): TransactionContext {
  const refuse = (kind: TransactionHookKind) => () => {
    throw new TypeError(
      `${kind} needs the outermost transaction to be started by transaction() (this one was started elsewhere)`,
    )
  }
  return Object.freeze({
    attempt: 1,
    depth,
    signal: undefined,
    afterCommit: refuse('afterCommit'),
    afterRollback: refuse('afterRollback'),
  })
}

// ---------------------------------------------------------------------------------------------------------------
// The outermost transaction: attempts, retries, deadline.

interface Committed<T> {
  readonly kind: 'committed'
  readonly value: T
  readonly scope: Scope
}

type AttemptResult<T> =
  | Committed<T>
  | { readonly kind: 'failed'; readonly error: unknown; readonly scope: Scope | undefined }
  | { readonly kind: 'aborted'; readonly scope: Scope | undefined }
  | { readonly kind: 'unknown'; readonly error: unknown }

async function runOutermost<DB, T>(
  db: Kysely<DB>,
  callback: TransactionCallback<DB, T>,
  options: ResolvedTransactionOptions,
): Promise<T> {
  const started = options.onSettled === undefined ? 0 : performance.now()
  const deadline =
    options.timeoutMs === undefined && options.signal === undefined
      ? undefined
      : new Deadline(options.timeoutMs, options.signal)
  // The usual case is kept to the fewest promises: the first attempt commits.
  const attempt = new Attempt(db, callback, 1, deadline)
  try {
    await attempt.execute(options)
  } catch (error) {
    return await finishAttempts(db, callback, options, started, deadline, attempt.failed(error))
  } finally {
    deadline?.dispose()
  }
  return finishCommitted(options, started, 1, attempt.committed())
}

/** Retries from the result of the first attempt until one commits or the transaction fails for good. */
async function finishAttempts<DB, T>(
  db: Kysely<DB>,
  callback: TransactionCallback<DB, T>,
  options: ResolvedTransactionOptions,
  started: number,
  deadline: Deadline | undefined,
  first: AttemptResult<T>,
): Promise<T> {
  let lastTransientError: unknown
  let result = first
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1) result = await runAttempt(db, callback, options, attempt, deadline)
    switch (result.kind) {
      case 'committed':
        return await finishCommitted(options, started, attempt, result)
      case 'unknown': {
        const error = new CommitOutcomeUnknownError(attempt, result.error)
        settle(options, started, 'commit-unknown', attempt, error)
        throw error
      }
      case 'aborted':
        return await rollBackFinally(
          options,
          started,
          result.scope,
          attempt,
          deadline!.error(attempt, lastTransientError),
        )
      case 'failed': {
        const reason = retryReasonOf(result.error)
        if (reason === undefined) {
          return await rollBackFinally(options, started, result.scope, attempt, result.error)
        }
        if (attempt >= options.maxAttempts) {
          const error = new TransactionRetriesExhaustedError(attempt, reason, result.error)
          return await rollBackFinally(options, started, result.scope, attempt, error)
        }
        const delayMs = Math.max(0, options.backoff(attempt))
        if (options.onRetry !== undefined) {
          try {
            options.onRetry({ attempt, reason, delayMs, error: result.error })
          } catch (hookError) {
            options.onHookError(hookError, 'onRetry')
          }
        }
        lastTransientError = result.error
        const slept =
          deadline === undefined ? await sleep(delayMs).then(() => true) : await deadline.sleep(delayMs)
        if (!slept) {
          const error = deadline!.error(attempt, result.error)
          return await rollBackFinally(options, started, result.scope, attempt, error)
        }
      }
    }
  }
}

/** Reports a commit and runs the afterCommit hooks (none to run in most transactions: no promise then). */
function finishCommitted<T>(
  options: ResolvedTransactionOptions,
  started: number,
  attempts: number,
  result: Committed<T>,
): T | Promise<T> {
  if (options.onSettled !== undefined) settle(options, started, 'committed', attempts, undefined)
  const { commitHooks, endHooks } = result.scope
  if (commitHooks === undefined && endHooks === undefined) return result.value
  const hooks = [...(commitHooks ?? []), ...(endHooks ?? [])]
  return runHooks(hooks, 'afterCommit', options).then(() => result.value)
}

function settle(
  options: ResolvedTransactionOptions,
  started: number,
  outcome: TransactionOutcome,
  attempts: number,
  error: unknown,
): void {
  if (options.onSettled === undefined) return
  const event = { outcome, attempts, durationMs: performance.now() - started, error }
  try {
    options.onSettled(event)
  } catch (hookError) {
    options.onHookError(hookError, 'onSettled')
  }
}

async function rollBackFinally(
  options: ResolvedTransactionOptions,
  started: number,
  scope: Scope | undefined,
  attempts: number,
  error: unknown,
): Promise<never> {
  settle(options, started, 'rolled-back', attempts, error)
  if (scope !== undefined && (scope.rollbackHooks !== undefined || scope.endHooks !== undefined)) {
    await runHooks([...(scope.rollbackHooks ?? []), ...(scope.endHooks ?? [])], 'afterRollback', options)
  }
  throw error
}

/** Thrown inside Kysely's transaction callback to make it roll back an attempt that was aborted. */
const ATTEMPT_ABORTED = Object.freeze(new Error('The transaction attempt was aborted'))

/**
 * One attempt of the outermost transaction. It runs inside Kysely's own `db.transaction().execute()`, which sends
 * BEGIN, then COMMIT when {@link run} returns or ROLLBACK when it throws (the same statements, and the same
 * JavaScript, as a bare Kysely transaction), and which refuses the transaction's queries once it has ended.
 */
class Attempt<DB, T> implements DeadlineListener {
  readonly #db: Kysely<DB>
  readonly #callback: TransactionCallback<DB, T>
  readonly #deadline: Deadline | undefined
  readonly number: number
  /** `begin` until Kysely calls {@link run}, `callback` while it runs, `commit` once it has returned. */
  phase: 'begin' | 'callback' | 'commit' = 'begin'
  connection: DatabaseConnection | undefined
  scope: Scope | undefined
  value: T | undefined
  /** What the callback (or a check after it) threw: the attempt's error, whatever ROLLBACK does after it. */
  failure: { readonly error: unknown } | undefined
  /** With a deadline: settle the promises {@link execute} and {@link run} wait on, when it fires before COMMIT. */
  #abortExecution: ((aborted: typeof ABORTED) => void) | undefined
  #abortCallback: ((aborted: typeof ABORTED) => void) | undefined

  constructor(
    db: Kysely<DB>,
    callback: TransactionCallback<DB, T>,
    number: number,
    deadline: Deadline | undefined,
  ) {
    this.#db = db
    this.#callback = callback
    this.number = number
    this.#deadline = deadline
  }

  /**
   * Runs the attempt in Kysely's `db.transaction().execute()`: BEGIN, the callback, then COMMIT or ROLLBACK.
   * Resolves once committed; rejects with the attempt's error, or with `ATTEMPT_ABORTED` when the deadline fires
   * before COMMIT is sent.
   */
  execute(options: ResolvedTransactionOptions): Promise<void> {
    const deadline = this.#deadline
    if (deadline?.aborted) return Promise.reject(ATTEMPT_ABORTED)
    let builder = this.#db.transaction()
    if (options.isolationLevel !== undefined) builder = builder.setIsolationLevel(options.isolationLevel)
    if (options.accessMode !== undefined) builder = builder.setAccessMode(options.accessMode)
    const execution = builder.execute((trx) => this.run(trx))
    return deadline === undefined ? execution : this.#executeWithin(deadline, execution)
  }

  async #executeWithin(deadline: Deadline, execution: Promise<void>): Promise<void> {
    deadline.listen(this)
    try {
      const outcome = await new Promise<unknown>((resolve, reject) => {
        this.#abortExecution = resolve
        execution.then(resolve, reject)
      })
      if (outcome !== ABORTED) return
    } finally {
      deadline.listen(undefined)
    }
    // Before the callback started, the attempt rolls back by itself when BEGIN is done; while it runs, run() cancels
    // the running statement and throws, so Kysely rolls back: give that a little time, then close the connection.
    if (this.phase !== 'begin' && !(await settlesWithin(execution, ABORT_GRACE_MS))) {
      await this.connection?.killSession?.(controlConnectionsOf(this.#db)).catch(ignore)
    }
    throw ATTEMPT_ABORTED
  }

  /** Called by the deadline when it fires; once COMMIT is sent, its outcome decides. */
  onDeadline(): void {
    if (this.phase === 'commit') return
    this.#abortCallback?.(ABORTED)
    this.#abortExecution?.(ABORTED)
  }

  /** Kysely's transaction callback: returns to COMMIT, throws to ROLLBACK. */
  async run(trx: Transaction<DB>): Promise<void> {
    this.phase = 'callback'
    const deadline = this.#deadline
    // Aborted while the connection or BEGIN was awaited: roll back at once, no user code runs.
    if (deadline?.aborted) throw ATTEMPT_ABORTED
    let connection = connectionOf(trx)
    if (connection instanceof Promise) connection = await connection
    this.connection = connection
    const scope = new Scope(undefined, this.number, deadline)
    this.scope = scope
    scopes.set(connection, scope)
    try {
      let value: T
      if (deadline === undefined) {
        value = await this.#callback(trx, scope.context)
      } else {
        // Reads the session's thread id (mysql2's, and the server's own with one query) so that an abort can end
        // the session and wait until the server has; once per connection, as the session keeps it.
        if (!sessionInfoCollected.has(connection)) {
          await connection.collectSessionInfo?.()
          await rememberThreadId(connection)
          sessionInfoCollected.add(connection)
        }
        if (deadline.aborted) throw ATTEMPT_ABORTED
        const running = this.#callback(trx, scope.context)
        const raced = await new Promise<T | typeof ABORTED>((resolve, reject) => {
          this.#abortCallback = resolve
          running.then(resolve, reject)
        })
        if (raced === ABORTED) {
          // The server rolls back with the session; no later statement of the callback can autocommit.
          await endAbortedSession(connection, controlConnectionsOf(this.#db))
          throw ATTEMPT_ABORTED
        }
        value = raced
      }
      if (scope.childActive) {
        throw new TypeError(
          'The transaction callback returned while a nested transaction() was still running: await every nested call',
        )
      }
      if (scope.doomedBy !== undefined) throw scope.doomedBy
      // From here on the deadline is ignored: the outcome is COMMIT's.
      if (deadline?.aborted) throw ATTEMPT_ABORTED
      this.value = value
      this.phase = 'commit'
    } catch (error) {
      scope.ended = true
      if (error !== ATTEMPT_ABORTED) this.failure = { error: scope.doomedBy ?? error }
      throw error
    } finally {
      // Nested calls are over (or refused above); the connection goes back to the pool after COMMIT or ROLLBACK.
      scopes.delete(connection)
    }
  }

  /** The result of an attempt whose Kysely transaction resolved: COMMIT succeeded. */
  committed(): Committed<T> {
    const scope = this.scope!
    scope.ended = true
    return { kind: 'committed', value: this.value as T, scope }
  }

  /** The result of an attempt whose Kysely transaction rejected with `error`. */
  failed(error: unknown): AttemptResult<T> {
    const scope = this.scope
    if (scope !== undefined) scope.ended = true
    if (error === ATTEMPT_ABORTED) return { kind: 'aborted', scope }
    if (this.failure !== undefined) return { kind: 'failed', error: this.failure.error, scope }
    // BEGIN (or taking a connection) failed: nothing ran. A lost connection is retried; a pool timeout or a
    // closed database is not.
    if (this.phase !== 'commit') return { kind: 'failed', error, scope: undefined }
    // COMMIT failed, and Kysely then sent ROLLBACK; `error` is COMMIT's error, or ROLLBACK's when that failed too.
    // On a lost connection COMMIT may have committed, unless the toolkit's pool saw that it never left (on a
    // plain pool a refused ROLLBACK hides that).
    if (isConnectionLostError(error) && !isCommitNotSent(error)) return { kind: 'unknown', error }
    return { kind: 'failed', error, scope }
  }
}

async function runAttempt<DB, T>(
  db: Kysely<DB>,
  callback: TransactionCallback<DB, T>,
  options: ResolvedTransactionOptions,
  number: number,
  deadline: Deadline | undefined,
): Promise<AttemptResult<T>> {
  const attempt = new Attempt(db, callback, number, deadline)
  try {
    await attempt.execute(options)
  } catch (error) {
    return attempt.failed(error)
  }
  return attempt.committed()
}

/**
 * The connection of a transaction. Kysely hands it to the consumer at once when no query is running on it (always
 * the case before the callback starts): then it is returned without waiting for the provider's promise to settle.
 */
function connectionOf<DB>(trx: Kysely<DB>): DatabaseConnection | Promise<DatabaseConnection> {
  let provided: DatabaseConnection | undefined
  const done = trx.getExecutor().provideConnection((connection) => {
    provided = connection
    return RESOLVED
  })
  return provided ?? done.then(() => provided!)
}

const RESOLVED = Promise.resolve()

/** Connections whose `collectSessionInfo()` has resolved: the driver keeps what it read for the connection's life. */
const sessionInfoCollected = new WeakSet<DatabaseConnection>()

function controlConnectionsOf<DB>(db: Kysely<DB>): ControlConnections {
  return (consumer) => db.getExecutor().provideConnection(consumer)
}

const ABORT_GRACE_MS = 2_000

/** Whether `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const inTime = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => {
      timer = setTimeout(resolve, ms, false)
    }),
  ])
  clearTimeout(timer)
  return inTime
}

// ---------------------------------------------------------------------------------------------------------------
// Savepoints.

/** The part of Kysely's `ControlledTransaction` used for savepoints, without its name-tracking generics. */
interface SavepointApi {
  savepoint(name: string): { execute(): Promise<SavepointApi & Transaction<unknown>> }
  rollbackToSavepoint(name: string): { execute(): Promise<unknown> }
  releaseSavepoint(name: string): { execute(): Promise<unknown> }
}

function hasSavepointApi(trx: object): trx is SavepointApi {
  return typeof (trx as Partial<SavepointApi>).savepoint === 'function'
}

async function runNested<DB, T>(
  trx: Transaction<DB>,
  callback: TransactionCallback<DB, T>,
  options: TransactionOptions | undefined,
): Promise<T> {
  if (options !== undefined) refuseNestedOptions(options)
  const connection = await connectionOf(trx)
  const parent = scopes.get(connection)
  if (parent?.childActive) {
    throw new TypeError(
      'A nested transaction() is already running on this transaction: savepoints on one connection must not overlap; await each nested call',
    )
  }
  const scope = parent === undefined ? undefined : new Scope(parent, parent.attempt, parent.deadline)
  const depth = scope?.depth ?? 1
  const name = `kt_savepoint_${depth}`
  if (parent !== undefined) parent.childActive = true
  try {
    let inner: Transaction<DB>
    if (hasSavepointApi(trx)) {
      inner = (await trx.savepoint(name).execute()) as unknown as Transaction<DB>
    } else {
      await sql`savepoint ${sql.id(name)}`.execute(trx)
      inner = trx
    }
    if (scope !== undefined) scopes.set(connection, scope)
    let value: T
    try {
      value = await callback(inner, scope?.context ?? detachedContext(depth))
      if (scope?.childActive) {
        throw new TypeError(
          'The nested transaction callback returned while a deeper transaction() was still running: await every nested call',
        )
      }
    } catch (error) {
      if (scope !== undefined) {
        scope.ended = true
        scope.discardInto(scope.root)
      }
      if (endsWholeTransaction(error)) {
        // The server already rolled back the whole transaction (and with it the savepoint): the outermost attempt
        // must fail even if the caller catches this error.
        if (scope !== undefined) scope.root.doomedBy ??= error
      } else {
        await rollbackToSavepoint(inner, name, scope)
      }
      throw error
    }
    if (hasSavepointApi(inner)) await inner.releaseSavepoint(name).execute()
    else await sql`release savepoint ${sql.id(name)}`.execute(inner)
    if (scope !== undefined && parent !== undefined) {
      scope.ended = true
      scope.mergeInto(parent)
    }
    return value
  } finally {
    if (parent !== undefined) {
      parent.childActive = false
      if (scopes.get(connection) !== undefined) scopes.set(connection, parent)
    }
  }
}

async function rollbackToSavepoint<DB>(
  inner: Kysely<DB>,
  name: string,
  scope: Scope | undefined,
): Promise<void> {
  try {
    if (hasSavepointApi(inner)) await inner.rollbackToSavepoint(name).execute()
    else await sql`rollback to savepoint ${sql.id(name)}`.execute(inner)
  } catch (rollbackError) {
    // The savepoint could not be restored: the outer transaction holds the inner writes and must not commit.
    if (scope !== undefined) scope.root.doomedBy ??= rollbackError
    else throw rollbackError
  }
}

/** Errors after which the server has rolled back the whole transaction, savepoints included. */
function endsWholeTransaction(error: unknown): boolean {
  const reason = retryReasonOf(error)
  return reason === 'deadlock' || reason === 'connection-lost' || reason === 'serialization'
}

function refuseNestedOptions(options: TransactionOptions): void {
  const given = Object.entries(options).filter(([, value]) => value !== undefined)
  if (given.length === 0) return
  throw new InvalidOptionsError(
    'transaction options',
    given.map(([key]) => ({
      path: key,
      message: `${key} cannot be set on a nested transaction (a savepoint inside an open transaction); set it on the outermost one`,
    })),
  )
}

// ---------------------------------------------------------------------------------------------------------------
// Hooks, deadline, sleeping.

async function runHooks(
  hooks: readonly TransactionHook[],
  kind: TransactionHookKind,
  options: ResolvedTransactionOptions,
): Promise<void> {
  for (const hook of hooks) {
    try {
      await hook()
    } catch (error) {
      options.onHookError(error, kind)
    }
  }
}

const ABORTED: unique symbol = Symbol('aborted')

/** Told when a {@link Deadline} fires: the attempt running, or the wait before a retry. */
interface DeadlineListener {
  onDeadline(): void
}

/** The time limit and abort signal of one outermost transaction, retries included. */
class Deadline {
  /** Made on first use of {@link signal}: most transactions with a time limit never read it. */
  #controller: AbortController | undefined
  #reason: unknown
  readonly #timeoutMs: number | undefined
  readonly #signal: AbortSignal | undefined
  readonly #timer: ReturnType<typeof setTimeout> | undefined
  readonly #onSignal: (() => void) | undefined
  #firedBy: 'timeout' | 'signal' | undefined
  #listener: DeadlineListener | undefined

  constructor(timeoutMs: number | undefined, signal: AbortSignal | undefined) {
    this.#timeoutMs = timeoutMs
    this.#signal = signal
    if (signal !== undefined) {
      this.#onSignal = () => this.#fire('signal', signal.reason)
      if (signal.aborted) this.#onSignal()
      else signal.addEventListener('abort', this.#onSignal, { once: true })
    }
    if (timeoutMs !== undefined && !this.aborted) {
      this.#timer = setTimeout(
        () =>
          this.#fire(
            'timeout',
            new DOMException(`The transaction timed out after ${timeoutMs} ms`, 'TimeoutError'),
          ),
        timeoutMs,
      )
    }
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController()
      if (this.#firedBy !== undefined) this.#controller.abort(this.#reason)
    }
    return this.#controller.signal
  }

  get aborted(): boolean {
    return this.#firedBy !== undefined
  }

  /** `listener` is told when the deadline fires, until another one (or `undefined`) is set. */
  listen(listener: DeadlineListener | undefined): void {
    this.#listener = listener
  }

  #fire(by: 'timeout' | 'signal', reason: unknown): void {
    if (this.aborted) return
    this.#firedBy = by
    this.#reason = reason
    this.#controller?.abort(reason)
    this.#listener?.onDeadline()
  }

  /** Waits `ms`; `false` when aborted first. */
  async sleep(ms: number): Promise<boolean> {
    if (this.aborted) return false
    let timer: ReturnType<typeof setTimeout> | undefined
    const slept = await new Promise<boolean>((resolve) => {
      timer = setTimeout(resolve, ms, true)
      this.listen({ onDeadline: () => resolve(false) })
    })
    this.listen(undefined)
    clearTimeout(timer)
    return slept
  }

  error(attempts: number, lastTransientError: unknown): Error {
    if (this.#firedBy === 'timeout') {
      return new TransactionTimeoutError(
        this.#timeoutMs!,
        attempts,
        lastTransientError === undefined ? {} : { cause: lastTransientError },
      )
    }
    return new TransactionAbortedError(attempts, this.#signal?.reason)
  }

  dispose(): void {
    clearTimeout(this.#timer)
    if (this.#onSignal !== undefined) this.#signal?.removeEventListener('abort', this.#onSignal)
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function ignore(): void {}
