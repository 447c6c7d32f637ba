// The examples of docs/transactions.md, run by docs/examples/transactions.test.ts against a real server.
// #region place-order
import type { Kysely, Transaction } from 'kysely'
import { createTransactionCounters, transaction } from 'kysely-toolkit'
import type { DB } from '../../example/generated/db.js' // your generated types (kysely-toolkit codegen)

/** Whatever sends e-mail in your application. */
export interface Mailer {
  send(userId: number, subject: string): Promise<void>
}

export function placeOrder(db: Kysely<DB>, mailer: Mailer, userId: number) {
  return transaction(db, async (trx, { afterCommit }) => {
    const { insertId } = await trx.insertInto('orders').values({ user_id: userId }).executeTakeFirstOrThrow()
    await trx.updateTable('users').set({ status: 'active' }).where('id', '=', userId).execute()
    // Only once the order is committed, and only once even if a deadlock made the callback run again.
    afterCommit(() => mailer.send(userId, 'Thanks for your order'))
    return insertId // bigint: the new order's id
  })
}
// #endregion place-order

// #region context
/** What the callback's second argument holds. */
export function describeAttempt(db: Kysely<DB>, log: (line: string) => void) {
  return transaction(db, async (trx, { attempt, depth, signal, afterCommit, afterRollback }) => {
    log(`attempt ${attempt} at depth ${depth}`) // attempt 1 at depth 0; 2 after a retried deadlock
    afterCommit(() => log('committed'))
    afterRollback(() => log('rolled back'))
    // `signal` aborts at timeoutMs (or when the signal you gave aborts): pass it on to other slow work.
    return trx
      .selectFrom('users')
      .select('id')
      .limit(1)
      .execute(signal === undefined ? {} : { signal })
  })
}
// #endregion context

// #region savepoint
export async function orderWithCoupon(db: Kysely<DB>, userId: number, code: string) {
  return transaction(db, async (trx) => {
    const orderId = await insertOrder(trx, userId)
    try {
      await transaction(trx, async (inner) => applyCoupon(inner, orderId, code)) // a savepoint
    } catch {
      // only the coupon's writes were rolled back; the order goes on without it
    }
    return orderId
  })
}
// #endregion savepoint

async function insertOrder(trx: Transaction<DB>, userId: number): Promise<string> {
  const { insertId } = await trx
    .insertInto('orders')
    .values({ user_id: userId, total: '100.00' })
    .executeTakeFirstOrThrow()
  return String(insertId)
}

/** Takes 10 off the order, then fails for any code but WELCOME10: its write must be rolled back. */
async function applyCoupon(trx: Transaction<DB>, orderId: string, code: string): Promise<void> {
  await trx
    .updateTable('orders')
    .set((eb) => ({ total: eb('total', '-', '10.00') }))
    .where('id', '=', orderId)
    .execute()
  if (code !== 'WELCOME10') throw new Error(`unknown coupon ${code}`)
}

// #region counters
export async function countedTransaction(db: Kysely<DB>) {
  const counters = createTransactionCounters()
  const work = async (trx: Transaction<DB>) => trx.selectFrom('users').select('id').limit(1).execute()
  await transaction(db, work, { ...counters.hooks, timeoutMs: 5_000 })
  return counters.snapshot()
  // { settled: { committed: 1, 'rolled-back': 0, 'commit-unknown': 0 },
  //   retries: { deadlock: 0, 'lock-timeout': 0, serialization: 0, 'connection-lost': 0 }, exhausted: 0 }
}
// #endregion counters
