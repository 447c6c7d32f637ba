import type { Kysely, Transaction } from 'kysely'
import {
  type TransactionContext,
  type TransactionHook,
  type TransactionOptions,
  transaction,
} from './transaction.js'

/**
 * Data access bound to one transaction attempt: `trx` to run queries, `get(factory)` for repositories (or any
 * data-access object) made once per attempt from `trx`, and the transaction's hooks.
 *
 * @example
 * ```ts
 * const users = (trx: Transaction<DB>) => ({
 *   activate: (id: number) => trx.updateTable('users').set({ status: 'active' }).where('id', '=', id).execute(),
 * })
 * await withUnitOfWork(db, async (uow: UnitOfWork<DB>) => uow.get(users).activate(7))
 * ```
 */
export interface UnitOfWork<DB> {
  /** The transaction. Every query of the unit of work runs on it. */
  readonly trx: Transaction<DB>
  /** The attempt running, from 1: the work may run more than once. */
  readonly attempt: number
  /**
   * `factory(trx)`, made on the first call for that factory in this attempt and reused after. Pass a function
   * declared once (a module-level constant), not an inline arrow: the factory itself is the memo key.
   */
  get<R>(factory: (trx: Transaction<DB>) => R): R
  /** See {@link TransactionContext.afterCommit}. */
  afterCommit(hook: TransactionHook): void
  /** See {@link TransactionContext.afterRollback}. */
  afterRollback(hook: TransactionHook): void
}

/**
 * Runs `work` as one all-or-nothing unit: in a {@link transaction} (with its retries, savepoint nesting, timeout
 * and hooks), with repositories and other data-access objects bound to that transaction through `uow.get`.
 * Repositories plug in as factories of `trx` (`(trx) => createRepository(trx, 'accounts')`).
 *
 * @example
 * ```ts
 * import { withUnitOfWork } from 'kysely-toolkit'
 *
 * const accounts = (trx: Transaction<DB>) => ({
 *   debit: (id: number, amount: string) =>
 *     trx.updateTable('accounts').set((eb) => ({ balance: eb('balance', '-', amount) })).where('id', '=', id).execute(),
 * })
 *
 * await withUnitOfWork(db, async (uow) => {
 *   await uow.get(accounts).debit(1, '10.00')
 *   uow.afterCommit(() => notify(1))
 * })
 * ```
 */
export function withUnitOfWork<DB, T>(
  trx: Transaction<DB>,
  work: (uow: UnitOfWork<DB>) => Promise<T>,
  options?: TransactionOptions,
): Promise<T>
export function withUnitOfWork<DB, T>(
  db: Kysely<DB>,
  work: (uow: UnitOfWork<DB>) => Promise<T>,
  options?: TransactionOptions,
): Promise<T>
export function withUnitOfWork<DB, T>(
  db: Kysely<DB>,
  work: (uow: UnitOfWork<DB>) => Promise<T>,
  options?: TransactionOptions,
): Promise<T> {
  return transaction(db, (trx: Transaction<DB>, context) => work(createUnitOfWork(trx, context)), options)
}

function createUnitOfWork<DB>(trx: Transaction<DB>, context: TransactionContext): UnitOfWork<DB> {
  const made = new Map<(trx: Transaction<DB>) => unknown, unknown>()
  return Object.freeze({
    trx,
    attempt: context.attempt,
    get<R>(factory: (trx: Transaction<DB>) => R): R {
      if (made.has(factory)) return made.get(factory) as R
      const value = factory(trx)
      made.set(factory, value)
      return value
    },
    afterCommit: context.afterCommit,
    afterRollback: context.afterRollback,
  })
}
