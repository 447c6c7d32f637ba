import type { Transaction } from 'kysely'
import { NotFoundError } from 'kysely-toolkit'
import type { DB } from '../../example/generated/db.js' // your generated types (kysely-toolkit codegen)
import { InsufficientFundsError } from './transfer-funds.js'

const cents = (decimal: string): number => Math.round(Number(decimal) * 100)
const decimal = (value: number): string => (value / 100).toFixed(2)

// #region naive
/**
 * WRONG: reads both balances with a plain SELECT, then writes values computed in JavaScript. Under REPEATABLE
 * READ the SELECT reads a snapshot: when another transfer changes the same account between the read and the
 * write, this one overwrites it with a stale value and that transfer's money is lost (or created).
 */
export async function naiveTransfer(
  trx: Transaction<DB>,
  from: number,
  to: number,
  amount: string,
): Promise<void> {
  const rows = await trx
    .selectFrom('accounts')
    .select(['id', 'balance'])
    .where('id', 'in', [from, to])
    .execute()
  const source = rows.find((row) => row.id === from)
  const target = rows.find((row) => row.id === to)
  if (source === undefined || target === undefined) throw new NotFoundError('accounts', { id: [from, to] })
  if (cents(source.balance) < cents(amount)) throw new InsufficientFundsError(from, amount)
  await trx
    .updateTable('accounts')
    .set({ balance: decimal(cents(source.balance) - cents(amount)) })
    .where('id', '=', from)
    .execute()
  await trx
    .updateTable('accounts')
    .set({ balance: decimal(cents(target.balance) + cents(amount)) })
    .where('id', '=', to)
    .execute()
  await trx
    .insertInto('account_transactions')
    .values({ from_account_id: from, to_account_id: to, amount, type: 'transfer' })
    .execute()
}
// #endregion naive

// #region locking-reads
/**
 * RIGHT: the same read-then-write, but the SELECT is a locking read (`FOR UPDATE`) of both rows in ascending id
 * order. It reads the latest committed balances and holds the rows until COMMIT, so nobody changes them in
 * between; the fixed order keeps two opposite transfers from deadlocking.
 */
export async function lockingReadTransfer(
  trx: Transaction<DB>,
  from: number,
  to: number,
  amount: string,
): Promise<void> {
  const rows = await trx
    .selectFrom('accounts')
    .select(['id', 'balance'])
    .where('id', 'in', [from, to])
    .orderBy('id')
    .forUpdate()
    .execute()
  const source = rows.find((row) => row.id === from)
  const target = rows.find((row) => row.id === to)
  if (source === undefined || target === undefined) throw new NotFoundError('accounts', { id: [from, to] })
  if (cents(source.balance) < cents(amount)) throw new InsufficientFundsError(from, amount)
  await trx
    .updateTable('accounts')
    .set({ balance: decimal(cents(source.balance) - cents(amount)) })
    .where('id', '=', from)
    .execute()
  await trx
    .updateTable('accounts')
    .set({ balance: decimal(cents(target.balance) + cents(amount)) })
    .where('id', '=', to)
    .execute()
  await trx
    .insertInto('account_transactions')
    .values({ from_account_id: from, to_account_id: to, amount, type: 'transfer' })
    .execute()
}
// #endregion locking-reads
