import type { Kysely, Transaction } from 'kysely'
import { NotFoundError, type TransactionOptions, withUnitOfWork } from 'kysely-toolkit'
import type { DB } from '../../example/generated/db.js' // your generated types (kysely-toolkit codegen)

// #region stores
/**
 * Account data access bound to a transaction. Balances change with atomic `balance = balance ± amount` updates,
 * never by reading a balance and writing it back (which loses updates under concurrency).
 */
export const accountStore = (trx: Transaction<DB>) => ({
  /** Takes `amount` from an account; refuses to go below zero. */
  async debit(id: number, amount: string): Promise<void> {
    const result = await trx
      .updateTable('accounts')
      .set((eb) => ({ balance: eb('balance', '-', amount) }))
      .where('id', '=', id)
      .where('balance', '>=', amount)
      .executeTakeFirst()
    if (result.numUpdatedRows > 0n) return
    const exists = await trx.selectFrom('accounts').select('id').where('id', '=', id).executeTakeFirst()
    throw exists === undefined
      ? new NotFoundError('accounts', { id })
      : new InsufficientFundsError(id, amount)
  },

  /** Adds `amount` to an account. */
  async credit(id: number, amount: string): Promise<void> {
    const result = await trx
      .updateTable('accounts')
      .set((eb) => ({ balance: eb('balance', '+', amount) }))
      .where('id', '=', id)
      .executeTakeFirst()
    if (result.numUpdatedRows === 0n) throw new NotFoundError('accounts', { id })
  },
})

/** The ledger: one row per movement of money. */
export const ledgerStore = (trx: Transaction<DB>) => ({
  async recordTransfer(from: number, to: number, amount: string): Promise<string> {
    const { insertId } = await trx
      .insertInto('account_transactions')
      .values({ from_account_id: from, to_account_id: to, amount, type: 'transfer' })
      .executeTakeFirstOrThrow()
    return String(insertId)
  },
})
// #endregion stores

/** The source account holds less than the amount. Nothing was written. */
export class InsufficientFundsError extends Error {
  override readonly name = 'InsufficientFundsError'
  constructor(
    readonly accountId: number,
    readonly amount: string,
  ) {
    super(`Account ${accountId} holds less than ${amount}`)
  }
}

// #region transfer
/**
 * Moves `amount` from one account to another and records it in the ledger: all of it or none of it.
 * Both rows are updated in ascending id order, so two transfers between the same accounts in opposite directions
 * wait for each other instead of deadlocking; deadlocks with other work are retried by `withUnitOfWork`.
 * Returns the ledger row's id.
 */
export function transferFunds(
  db: Kysely<DB>,
  from: number,
  to: number,
  amount: string,
  options?: TransactionOptions,
): Promise<string> {
  if (from === to) throw new RangeError('A transfer needs two different accounts')
  if (!/^\d{1,13}(\.\d{1,2})?$/.test(amount) || Number(amount) <= 0) {
    throw new RangeError(
      `amount must be a positive decimal with at most 2 places (got ${JSON.stringify(amount)})`,
    )
  }
  return withUnitOfWork(
    db,
    async (uow) => {
      const accounts = uow.get(accountStore)
      if (from < to) {
        await accounts.debit(from, amount)
        await accounts.credit(to, amount)
      } else {
        await accounts.credit(to, amount)
        await accounts.debit(from, amount)
      }
      return uow.get(ledgerStore).recordTransfer(from, to, amount)
    },
    options,
  )
}
// #endregion transfer
