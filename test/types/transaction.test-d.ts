import type { Kysely, Transaction } from 'kysely'
import { describe, expectTypeOf, it } from 'vitest'
import type { DB } from '../../example/generated/db.js'
import { type TransactionContext, transaction, type UnitOfWork, withUnitOfWork } from '../../src/index.js'

declare const db: Kysely<DB>

describe('transaction types', () => {
  it('types the transaction from the database and returns what the callback returns', () => {
    const result = transaction(db, async (trx, context) => {
      expectTypeOf(trx).toEqualTypeOf<Transaction<DB>>()
      expectTypeOf(context).toEqualTypeOf<TransactionContext>()
      const row = await trx.selectFrom('accounts').select(['id', 'balance']).executeTakeFirstOrThrow()
      return row
    })
    expectTypeOf(result).toEqualTypeOf<Promise<{ id: number; balance: string }>>()
  })

  it('keeps the schema in nested calls and units of work', () => {
    void transaction(db, async (trx) => {
      const inner = await transaction(trx, async (savepoint) => {
        expectTypeOf(savepoint).toEqualTypeOf<Transaction<DB>>()
        return 1 as const
      })
      expectTypeOf(inner).toEqualTypeOf<1>()
    })
    void withUnitOfWork(db, async (uow) => {
      expectTypeOf(uow).toEqualTypeOf<UnitOfWork<DB>>()
      const store = uow.get((trx) => ({ count: () => trx.selectFrom('users').select('id').execute() }))
      expectTypeOf(store.count).returns.resolves.toEqualTypeOf<{ id: number }[]>()
    })
  })

  it('refuses unknown tables and bad options', () => {
    void transaction(db, async (trx) => {
      // @ts-expect-error: no such table
      await trx.selectFrom('nope').selectAll().execute()
    })
    // @ts-expect-error: not an isolation level MySQL knows
    void transaction(db, async () => {}, { isolationLevel: 'snapshot' })
  })
})
