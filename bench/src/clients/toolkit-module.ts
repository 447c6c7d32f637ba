import type * as Toolkit from '../../../dist/index.js'

/** The slice of the toolkit's `transaction` helper (branch `transactions`) the bench uses. */
export type TransactionHelper = <T>(
  db: unknown,
  callback: (trx: never) => Promise<T>,
  options?: { readonly onRetry?: (event: { readonly reason: string }) => void },
) => Promise<T>

/** The built package's root entry; `transaction` is there once the transactions branch is merged. */
export type ToolkitModule = typeof Toolkit & { readonly transaction?: TransactionHelper }

/** The toolkit from `dist/` (built by `npm run bench` when the sources are newer). */
export async function toolkitModule(): Promise<ToolkitModule> {
  return (await import('../../../dist/index.js')) as ToolkitModule
}
