import { createErrorGuard, ToolkitError } from './toolkit-error.js'

/**
 * Which side of a foreign key was violated:
 * - `missing-parent`: a child row points at a parent row that does not exist (error 1452 or 1216);
 * - `parent-referenced`: a parent row still referenced by child rows was deleted or re-keyed (1451 or 1217).
 *
 * @example
 * ```ts
 * const status = (kind: ForeignKeyViolationKind) => (kind === 'missing-parent' ? 422 : 409)
 * ```
 */
export type ForeignKeyViolationKind = 'missing-parent' | 'parent-referenced'

/**
 * What {@link ForeignKeyViolationError} knows; the fields are `undefined` when the server did not say.
 *
 * @example
 * ```ts
 * const { table, columns, referencedTable }: ForeignKeyViolation = error // from a caught ForeignKeyViolationError
 * ```
 */
export interface ForeignKeyViolation {
  readonly kind: ForeignKeyViolationKind
  /** The constraint name, e.g. `orders_ibfk_1`. */
  readonly constraint: string | undefined
  /** The child table, the one that holds the foreign key. */
  readonly table: string | undefined
  /** The child table's foreign key columns. */
  readonly columns: readonly string[] | undefined
  /** The parent table. */
  readonly referencedTable: string | undefined
  /** The parent table's referenced columns. */
  readonly referencedColumns: readonly string[] | undefined
}

/**
 * A write broke a foreign key (MySQL errors 1451, 1452, 1216, 1217). The statement was not applied; the
 * transaction it ran in is still open. `cause` is the driver error.
 *
 * @example
 * ```ts
 * import { ForeignKeyViolationError } from 'kysely-toolkit'
 *
 * try {
 *   await db.insertInto('orders').values({ user_id: 999 }).execute()
 * } catch (error) {
 *   if (ForeignKeyViolationError.is(error) && error.kind === 'missing-parent') {
 *     console.error(`${error.columns?.join(', ')} must reference an existing ${error.referencedTable}`)
 *   }
 * }
 * ```
 */
export class ForeignKeyViolationError extends ToolkitError implements ForeignKeyViolation {
  override readonly name = 'ForeignKeyViolationError' as const
  override readonly code = 'FOREIGN_KEY_VIOLATION' as const
  readonly kind: ForeignKeyViolationKind
  readonly constraint: string | undefined
  readonly table: string | undefined
  readonly columns: readonly string[] | undefined
  readonly referencedTable: string | undefined
  readonly referencedColumns: readonly string[] | undefined

  constructor(violation: ForeignKeyViolation, options: { cause?: unknown } = {}) {
    super('FOREIGN_KEY_VIOLATION', describe(violation), options)
    this.kind = violation.kind
    this.constraint = violation.constraint
    this.table = violation.table
    this.columns = violation.columns === undefined ? undefined : Object.freeze([...violation.columns])
    this.referencedTable = violation.referencedTable
    this.referencedColumns =
      violation.referencedColumns === undefined ? undefined : Object.freeze([...violation.referencedColumns])
  }

  /** Whether `value` is a {@link ForeignKeyViolationError} (from any loaded copy of the toolkit). */
  static override is = createErrorGuard<ForeignKeyViolationError>('FOREIGN_KEY_VIOLATION')
}

function describe(violation: ForeignKeyViolation): string {
  const child = qualify(violation.table ?? 'a child table', violation.columns)
  const parent = qualify(violation.referencedTable ?? 'its parent table', violation.referencedColumns)
  const constraint = violation.constraint === undefined ? '' : ` (foreign key ${violation.constraint})`
  return violation.kind === 'missing-parent'
    ? `${child} must reference an existing ${parent}${constraint}`
    : `The ${parent} row is still referenced by ${child}${constraint}: delete or re-point those rows first`
}

function qualify(table: string, columns: readonly string[] | undefined): string {
  if (columns === undefined) return table
  return columns.length === 1 ? `${table}.${columns[0]}` : `${table}(${columns.join(', ')})`
}
