import { type Kysely, sql, type Transaction } from 'kysely'
import { InsufficientFundsError } from '../../../docs/examples/transfer-funds.js'
import type { DB } from '../../../example/generated/db.js'
import {
  createTransactionCounters,
  type TransactionCountsSnapshot,
  TransactionRetriesExhaustedError,
} from '../../../src/index.js'

/** One planned transfer. Its amount is unique (1.00 + index cents), so a ledger row tells which transfer it is. */
export interface PlannedTransfer {
  readonly index: number
  readonly from: number
  readonly to: number
  readonly amount: string
}

/** Runs one transfer; resolves when it committed, rejects otherwise. */
export type TransferRunner = (
  db: Kysely<DB>,
  transfer: PlannedTransfer,
  hooks: ReturnType<typeof createTransactionCounters>['hooks'],
) => Promise<unknown>

export interface PlanOptions {
  readonly count: number
  /** Share of transfers between the first `hotAccounts` accounts, where contention (and deadlock) is likely. */
  readonly hotShare: number
  readonly hotAccounts: number
  readonly random: () => number
}

export function planTransfers(accountIds: readonly number[], options: PlanOptions): PlannedTransfer[] {
  const pick = (pool: readonly number[]) => pool[Math.floor(options.random() * pool.length)]!
  const hot = accountIds.slice(0, options.hotAccounts)
  return Array.from({ length: options.count }, (_, index) => {
    const pool = options.random() < options.hotShare ? hot : accountIds
    const from = pick(pool)
    let to = pick(pool)
    while (to === from) to = pick(pool)
    return { index, from, to, amount: ((100 + index) / 100).toFixed(2) }
  })
}

export interface BankRun {
  readonly applied: PlannedTransfer[]
  readonly refused: number
  readonly exhausted: number
  readonly otherErrors: unknown[]
  readonly counts: TransactionCountsSnapshot
  /** afterCommit hooks that ran: must equal the applied transfers. */
  readonly afterCommits: number
  readonly elapsedMs: number
}

/** Runs the transfers with `workers` transfers in flight at any time. */
export async function runBank(
  db: Kysely<DB>,
  transfers: readonly PlannedTransfer[],
  workers: number,
  run: TransferRunner,
): Promise<BankRun> {
  const counters = createTransactionCounters()
  const applied: PlannedTransfer[] = []
  const otherErrors: unknown[] = []
  let refused = 0
  let exhausted = 0
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < transfers.length) {
        const transfer = transfers[next++]!
        try {
          await run(db, transfer, counters.hooks)
          applied.push(transfer)
        } catch (error) {
          if (error instanceof InsufficientFundsError) refused++
          else if (TransactionRetriesExhaustedError.is(error)) exhausted++
          else otherErrors.push(error)
        }
      }
    }),
  )
  return {
    applied,
    refused,
    exhausted,
    otherErrors,
    counts: counters.snapshot(),
    afterCommits: afterCommitCount.value,
    elapsedMs: performance.now() - started,
  }
}

/** Incremented by runners' afterCommit hooks. */
export const afterCommitCount = { value: 0 }

/** Debit then credit in the order given, with atomic updates: opposite transfers deadlock, and are retried. */
export async function transferInGivenOrder(
  trx: Transaction<DB>,
  from: number,
  to: number,
  amount: string,
): Promise<void> {
  const debited = await trx
    .updateTable('accounts')
    .set((eb) => ({ balance: eb('balance', '-', amount) }))
    .where('id', '=', from)
    .where('balance', '>=', amount)
    .executeTakeFirst()
  if (debited.numUpdatedRows === 0n) throw new InsufficientFundsError(from, amount)
  await trx
    .updateTable('accounts')
    .set((eb) => ({ balance: eb('balance', '+', amount) }))
    .where('id', '=', to)
    .execute()
  await trx
    .insertInto('account_transactions')
    .values({ from_account_id: from, to_account_id: to, amount, type: 'transfer' })
    .execute()
}

export interface BankAudit {
  /** Sum of all balances, in cents. */
  readonly totalCents: number
  readonly expectedTotalCents: number
  /** Accounts whose balance differs from opening - outgoing + incoming of the applied transfers. */
  readonly mismatchedAccounts: number
  /** Sum over accounts of |actual - expected|, in cents. */
  readonly driftCents: number
  /** Ledger rows that match no applied transfer, or match one twice. */
  readonly strayLedgerRows: number
  /** Applied transfers with no ledger row. */
  readonly missingLedgerRows: number
}

export async function auditBank(
  db: Kysely<DB>,
  openingCents: number,
  applied: readonly PlannedTransfer[],
): Promise<BankAudit> {
  const accounts = await db.selectFrom('accounts').select(['id', 'balance']).execute()
  const expected = new Map(accounts.map((account) => [account.id, openingCents]))
  for (const transfer of applied) {
    const cents = Math.round(Number(transfer.amount) * 100)
    expected.set(transfer.from, expected.get(transfer.from)! - cents)
    expected.set(transfer.to, expected.get(transfer.to)! + cents)
  }
  let mismatchedAccounts = 0
  let driftCents = 0
  let totalCents = 0
  for (const account of accounts) {
    const actual = Math.round(Number(account.balance) * 100)
    totalCents += actual
    const difference = Math.abs(actual - expected.get(account.id)!)
    if (difference !== 0) mismatchedAccounts++
    driftCents += difference
  }
  const byIndex = new Map(applied.map((transfer) => [transfer.index, transfer]))
  const ledger = await db
    .selectFrom('account_transactions')
    .select(['from_account_id', 'to_account_id', 'amount', 'type'])
    .execute()
  const seen = new Set<number>()
  let strayLedgerRows = 0
  for (const row of ledger) {
    const index = Math.round(Number(row.amount) * 100) - 100
    const transfer = byIndex.get(index)
    if (
      transfer === undefined ||
      seen.has(index) ||
      transfer.from !== row.from_account_id ||
      transfer.to !== row.to_account_id ||
      row.type !== 'transfer'
    ) {
      strayLedgerRows++
    }
    seen.add(index)
  }
  return {
    totalCents,
    expectedTotalCents: accounts.length * openingCents,
    mismatchedAccounts,
    driftCents,
    strayLedgerRows,
    missingLedgerRows: applied.filter((transfer) => !seen.has(transfer.index)).length,
  }
}

export async function resetBank(db: Kysely<DB>, opening: string): Promise<void> {
  await db.deleteFrom('account_transactions').execute()
  await db.updateTable('accounts').set({ balance: opening }).execute()
  afterCommitCount.value = 0
  await sql`analyze table accounts`.execute(db)
}

export function describeRun(label: string, run: BankRun, audit: BankAudit): string {
  const { retries } = run.counts
  return (
    `${label}: ${run.applied.length} applied, ${run.refused} refused (insufficient funds), ${run.exhausted} gave up, ` +
    `${retries.deadlock} deadlocks retried, ${retries['lock-timeout']} lock timeouts retried, ` +
    `${retries.serialization} serialization failures retried, ` +
    `${Math.round(run.elapsedMs)} ms (${Math.round((run.applied.length * 1000) / run.elapsedMs)} transfers/s); ` +
    `total ${(audit.totalCents / 100).toFixed(2)} (expected ${(audit.expectedTotalCents / 100).toFixed(2)}), ` +
    `${audit.mismatchedAccounts} accounts off by ${(audit.driftCents / 100).toFixed(2)} in all`
  )
}
