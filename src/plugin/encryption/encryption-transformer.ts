import {
  AggregateFunctionNode,
  AliasNode,
  AndNode,
  BinaryOperationNode,
  ColumnNode,
  ColumnUpdateNode,
  DefaultInsertValueNode,
  type DeleteQueryNode,
  FunctionNode,
  IdentifierNode,
  type InsertQueryNode,
  type OperationNode,
  OperationNodeTransformer,
  OperatorNode,
  ParensNode,
  PrimitiveValueListNode,
  type QueryId,
  RawNode,
  ReferenceNode,
  type RootOperationNode,
  SelectAllNode,
  SelectionNode,
  SelectQueryNode,
  TableNode,
  type UpdateQueryNode,
  ValueListNode,
  ValueNode,
  ValuesNode,
  WhereNode,
  type WithNode,
} from 'kysely'
import { EncryptionSetupError } from '../../error/encryption-setup-error.js'
import { UnsupportedEncryptedOperationError } from '../../error/unsupported-encrypted-operation-error.js'
import { computeBlindIndex } from './blind-index.js'
import type { EncryptedColumn, EncryptedColumnRegistry } from './encrypted-columns.js'
import { type EncryptableValue, encodePayload, sealValue } from './envelope.js'
import { type EncryptionKeyring, getKeyringState, type KeyringState } from './keyring.js'
import { camelCaseLike, queryNameForms } from './name-forms.js'

/** How to turn one result value back into plaintext. @internal */
export type ValuePlan =
  | { readonly kind: 'cipher'; readonly column: EncryptedColumn }
  | { readonly kind: 'json'; readonly array: boolean; readonly fields: ReadonlyMap<string, ValuePlan> }

/** A blind-index lookup to finish in `transformResult`: keep rows whose value really matches. @internal */
export interface LookupFilter {
  /** The hidden output key holding the column's ciphertext. */
  readonly key: string
  readonly column: EncryptedColumn
  /** The typed payloads (after the index's transform) a row may hold. */
  readonly expected: readonly Buffer[]
}

/** What `transformResult` must do with a query's rows. @internal */
export interface ResultPlan {
  /** Output key → how to decrypt it. */
  readonly fields: ReadonlyMap<string, ValuePlan>
  /** Blind-index lookups to finish; rows failing one are dropped. */
  readonly filters: readonly LookupFilter[]
  /** The query's LIMIT and OFFSET, applied after filtering (they were removed from the SQL). */
  readonly limit: number | undefined
  readonly offset: number
}

/**
 * A table or derived table visible in a query. `columns` lists its planned columns under the names its rows
 * have; `lookup` finds them by every name a query may use (for a table, the database's names and their
 * camelCase forms).
 */
type Source =
  | {
      readonly kind: 'table'
      readonly table: string
      readonly columns: ReadonlyMap<string, ValuePlan> | undefined
      readonly lookup: ReadonlyMap<string, ValuePlan> | undefined
    }
  | {
      readonly kind: 'derived'
      readonly columns: ReadonlyMap<string, ValuePlan>
      readonly lookup: ReadonlyMap<string, ValuePlan>
    }

interface TablePlans {
  readonly table: string
  readonly columns: ReadonlyMap<string, ValuePlan>
  readonly lookup: ReadonlyMap<string, ValuePlan>
}

/** The tables visible at one level of a query, by alias or name. CTEs are keyed with {@link CTE_KEY}. */
type Scope = ReadonlyMap<string, Source>
type Chain = readonly Scope[]

const CTE_KEY = '\0cte:'
const LOOKUP_KEY = '__kt_lookup_'
const NO_PLAN: ReadonlyMap<string, ValuePlan> = new Map()

const NO_INDEX_HINT =
  'Comparisons, LIKE, ORDER BY, GROUP BY and SQL functions cannot work on ciphertext. For equality lookups ' +
  "give the column a blind index (blindIndex in the plugin's column options); otherwise filter after reading."
const INDEX_HINT =
  "Its blind index serves where(column, '=', value) and where(column, 'in', values) joined by AND in the " +
  'top-level WHERE of a SELECT, not in UPDATE, DELETE, joins, OR or subqueries: select the ids first, then ' +
  'update or delete by id.'

/** A derived table: its output columns, found under their own names. */
function derived(columns: ReadonlyMap<string, ValuePlan>): Source {
  return { kind: 'derived', columns, lookup: columns }
}

function identifierName(node: OperationNode | undefined): string | undefined {
  return node !== undefined && IdentifierNode.is(node) ? node.name : undefined
}

function tableName(node: TableNode): string {
  return node.table.identifier.name
}

function describeUse(parent: OperationNode | undefined): string {
  if (parent === undefined) return 'this use'
  if (BinaryOperationNode.is(parent) && OperatorNode.is(parent.operator)) {
    const operator = parent.operator.operator
    return /like|regexp|match/i.test(operator) ? operator.toUpperCase() : `comparison with '${operator}'`
  }
  switch (parent.kind) {
    case 'OrderByItemNode':
      return 'ORDER BY'
    case 'GroupByItemNode':
      return 'GROUP BY'
    case 'FunctionNode':
    case 'AggregateFunctionNode':
      return `${(parent as FunctionNode).func}()`
    default:
      return `use in ${parent.kind.replace(/Node$/, '')}`
  }
}

function unsupportedUse(column: EncryptedColumn, operation: string): UnsupportedEncryptedOperationError {
  return new UnsupportedEncryptedOperationError(
    column.table,
    column.column,
    operation,
    column.blindIndex ? INDEX_HINT : NO_INDEX_HINT,
  )
}

function unsupportedWrite(column: EncryptedColumn, what: string): UnsupportedEncryptedOperationError {
  return new UnsupportedEncryptedOperationError(
    column.table,
    column.column,
    `writing ${what}`,
    'The plugin encrypts values bound as parameters; an SQL expression would be written as computed by the ' +
      'database, in plaintext. Compute the value in JavaScript and pass it.',
  )
}

function literalNumber(
  node: OperationNode | undefined,
  what: string,
  column: EncryptedColumn,
): number | undefined {
  if (node === undefined) return undefined
  if (
    ValueNode.is(node) &&
    typeof node.value === 'number' &&
    Number.isInteger(node.value) &&
    node.value >= 0
  ) {
    return node.value
  }
  if (ValueNode.is(node) && typeof node.value === 'bigint' && node.value >= 0n) return Number(node.value)
  throw unsupportedUse(column, `a blind-index lookup with a computed ${what}`)
}

function containsAggregate(node: OperationNode): boolean {
  if (node.kind === 'AggregateFunctionNode') return true
  if (SelectQueryNode.is(node)) return false
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item) && containsAggregate(item)) return true
    } else if (isNode(value) && containsAggregate(value)) {
      return true
    }
  }
  return false
}

/** `sql.lit(x)` inside `sql.join` arrives as a raw node wrapping the value: unwrap such shells. */
function unwrapRaw(node: OperationNode): OperationNode {
  let current = node
  while (
    RawNode.is(current) &&
    current.parameters.length === 1 &&
    current.sqlFragments.every((fragment) => fragment.trim() === '')
  ) {
    current = current.parameters[0]!
  }
  return current
}

function isNode(value: unknown): value is OperationNode {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string'
}

/**
 * Rewrites queries for {@link EncryptionPlugin}: encrypts values written to encrypted columns (insert values,
 * update SET, ON DUPLICATE KEY UPDATE) and their blind indexes, rewrites blind-index lookups, refuses
 * operations that cannot work on ciphertext, and records which result columns to decrypt.
 *
 * It keeps the scopes of the query being transformed while `transformQuery` runs (synchronously) and resets
 * them afterwards; the plan for the results is returned, never kept.
 * @internal
 */
export class EncryptionTransformer extends OperationNodeTransformer {
  readonly #registry: EncryptedColumnRegistry
  readonly #keyring: EncryptionKeyring
  /** By the table's database name. */
  readonly #tablePlans = new Map<string, TablePlans>()
  #scopes: Chain = []
  #plan: ResultPlan | undefined
  #keys: KeyringState | undefined

  constructor(registry: EncryptedColumnRegistry, keyring: EncryptionKeyring) {
    super()
    this.#registry = registry
    this.#keyring = keyring
    for (const table of registry.tables()) {
      const plans = new Map<string, ValuePlan>()
      for (const column of table.columns.values()) plans.set(column.column, { kind: 'cipher', column })
      const lookup = new Map<string, ValuePlan>()
      for (const [name, column] of table.lookup) lookup.set(name, plans.get(column.column)!)
      this.#tablePlans.set(table.name, { table: table.name, columns: plans, lookup })
    }
  }

  /** Transforms a root node; returns the new node and what to do with its results. */
  transformQuery(
    node: RootOperationNode,
    queryId: QueryId,
  ): { node: RootOperationNode; plan: ResultPlan | undefined } {
    this.#scopes = []
    this.#plan = undefined
    this.#keys = undefined
    try {
      const transformed = this.transformNode(node, queryId)
      return { node: transformed, plan: this.#plan }
    } finally {
      this.nodeStack.length = 0
      this.#scopes = []
      this.#plan = undefined
      this.#keys = undefined
    }
  }

  get #keyringState(): KeyringState {
    this.#keys ??= getKeyringState(this.#keyring)
    return this.#keys
  }

  // ---- queries ------------------------------------------------------------------------------------------

  protected override transformSelectQuery(node: SelectQueryNode, queryId?: QueryId): SelectQueryNode {
    const isRoot = this.nodeStack.length === 1
    const outer = this.#scopes
    this.#scopes = [...outer, ...this.#selectScopes(node, outer)]
    try {
      const lookup = isRoot ? this.#rewriteLookups(node) : undefined
      const transformed = super.transformSelectQuery(lookup?.node ?? node, queryId)
      if (isRoot) {
        this.#plan = {
          fields: this.#selectionPlans(node.selections ?? [], this.#scopes),
          filters: lookup?.filters ?? [],
          limit: lookup?.limit,
          offset: lookup?.offset ?? 0,
        }
      }
      return transformed
    } finally {
      this.#scopes = outer
    }
  }

  protected override transformInsertQuery(node: InsertQueryNode, queryId?: QueryId): InsertQueryNode {
    const isRoot = this.nodeStack.length === 1
    const outer = this.#scopes
    const table = node.into === undefined ? undefined : tableName(node.into)
    const scope = new Map<string, Source>()
    if (table !== undefined) scope.set(table, this.#tableSourceOf(table))
    this.#scopes = [...outer, ...this.#cteScopes(node.with, outer), scope]
    try {
      const columns = table === undefined ? undefined : this.#registry.table(table)?.lookup
      const target = columns === undefined ? node : this.#encryptInsert(node, columns)
      const transformed = super.transformInsertQuery(target, queryId)
      if (isRoot && node.returning !== undefined) this.#plan = this.#returningPlan(node.returning.selections)
      return transformed
    } finally {
      this.#scopes = outer
    }
  }

  protected override transformUpdateQuery(node: UpdateQueryNode, queryId?: QueryId): UpdateQueryNode {
    const isRoot = this.nodeStack.length === 1
    const outer = this.#scopes
    const ctes = this.#cteScopes(node.with, outer)
    const scope = new Map<string, Source>()
    const chain = [...outer, ...ctes]
    if (node.table !== undefined) this.#addSources(scope, node.table, chain)
    for (const from of node.from?.froms ?? []) this.#addSources(scope, from, chain)
    for (const join of node.joins ?? []) this.#addSources(scope, join.table, chain)
    this.#scopes = [...chain, scope]
    try {
      const target =
        node.updates === undefined ? node : { ...node, updates: this.#encryptUpdates(node.updates, false) }
      const transformed = super.transformUpdateQuery(target, queryId)
      if (isRoot && node.returning !== undefined) this.#plan = this.#returningPlan(node.returning.selections)
      return transformed
    } finally {
      this.#scopes = outer
    }
  }

  protected override transformDeleteQuery(node: DeleteQueryNode, queryId?: QueryId): DeleteQueryNode {
    const isRoot = this.nodeStack.length === 1
    const outer = this.#scopes
    const ctes = this.#cteScopes(node.with, outer)
    const scope = new Map<string, Source>()
    const chain = [...outer, ...ctes]
    for (const from of node.from.froms) this.#addSources(scope, from, chain)
    for (const using of node.using?.tables ?? []) this.#addSources(scope, using, chain)
    for (const join of node.joins ?? []) this.#addSources(scope, join.table, chain)
    this.#scopes = [...chain, scope]
    try {
      const transformed = super.transformDeleteQuery(node, queryId)
      if (isRoot && node.returning !== undefined) this.#plan = this.#returningPlan(node.returning.selections)
      return transformed
    } finally {
      this.#scopes = outer
    }
  }

  /** Refuses an encrypted column wherever the database would have to evaluate its plaintext. */
  protected override transformReference(node: ReferenceNode, queryId?: QueryId): ReferenceNode {
    const transformed = super.transformReference(node, queryId)
    if (!ColumnNode.is(node.column)) return transformed
    const parent = this.nodeStack.at(-2)
    if (this.#isAllowedPosition(node, parent, this.nodeStack.at(-3))) return transformed
    const resolved = this.#resolve(node.table, node.column.column.name, this.#scopes)
    if (resolved?.plan.kind === 'cipher') throw unsupportedUse(resolved.plan.column, describeUse(parent))
    return transformed
  }

  #isAllowedPosition(
    node: ReferenceNode,
    parent: OperationNode | undefined,
    grandparent: OperationNode | undefined,
  ) {
    if (parent === undefined) return true
    switch (parent.kind) {
      case 'SelectionNode':
      case 'RawNode': // raw SQL is not rewritten (documented)
        return true
      case 'AliasNode':
        return grandparent?.kind === 'SelectionNode'
      case 'ColumnUpdateNode':
        return (parent as ColumnUpdateNode).column === node
      case 'AggregateFunctionNode':
        return (parent as FunctionNode).func.toLowerCase() === 'count'
      case 'FunctionNode':
        // VALUES(col) in ON DUPLICATE KEY UPDATE, checked by #encryptUpdates.
        return (
          (parent as FunctionNode).func.toLowerCase() === 'values' && grandparent?.kind === 'ColumnUpdateNode'
        )
      case 'BinaryOperationNode': {
        const { operator, leftOperand, rightOperand } = parent as BinaryOperationNode
        const other = leftOperand === node ? rightOperand : leftOperand
        return (
          OperatorNode.is(operator) &&
          (operator.operator === 'is' || operator.operator === 'is not') &&
          ValueNode.is(other) &&
          other.value === null
        )
      }
      default:
        return false
    }
  }

  // ---- writes -------------------------------------------------------------------------------------------

  #seal(column: EncryptedColumn, value: unknown): string {
    return sealValue(this.#keyringState, column, value)
  }

  #indexOf(column: EncryptedColumn, value: unknown): number | null {
    const index = column.blindIndex
    if (index === undefined || value === null || value === undefined) return null
    const key = this.#keyringState.blindIndexKey(column.table, column.column)
    if (key === undefined) {
      throw new EncryptionSetupError([
        `${column.table}.${column.column} has a blind index but the keyring has no blindIndexKey`,
      ])
    }
    const normalised = index.transform === undefined ? value : index.transform(value as EncryptableValue)
    return computeBlindIndex(key, index.bits, encodePayload(normalised, column))
  }

  #encryptInsert(node: InsertQueryNode, columns: ReadonlyMap<string, EncryptedColumn>): InsertQueryNode {
    const onDuplicateKey =
      node.onDuplicateKey === undefined
        ? undefined
        : { ...node.onDuplicateKey, updates: this.#encryptUpdates(node.onDuplicateKey.updates, true) }
    const names = (node.columns ?? []).map((column) => column.column.name)
    const encrypted = names.map((name) => columns.get(name))
    const firstEncrypted = encrypted.find((column) => column !== undefined)
    if (firstEncrypted === undefined) return onDuplicateKey === undefined ? node : { ...node, onDuplicateKey }
    if (node.values === undefined || !ValuesNode.is(node.values)) {
      throw unsupportedWrite(firstEncrypted, 'the result of INSERT ... SELECT')
    }
    // Where each encrypted column's blind index goes: an existing column (overwritten) or a new one.
    const allNames = [...names]
    const indexPositions = encrypted.map((column, position) => {
      if (column?.blindIndex === undefined) return -1
      const forms = queryNameForms(column.blindIndex.column)
      const existing = allNames.findIndex((name) => forms.includes(name))
      if (existing >= 0) return existing
      allNames.push(camelCaseLike(column.column, names[position]!, column.blindIndex.column))
      return allNames.length - 1
    })
    const rows = node.values.values.map((row) => {
      if (PrimitiveValueListNode.is(row)) {
        const values = [...row.values]
        encrypted.forEach((column, position) => {
          if (column === undefined) return
          const value = values[position]
          const plaintext = value === undefined ? null : value
          values[position] = plaintext === null ? null : this.#seal(column, plaintext)
          const indexPosition = indexPositions[position] ?? -1
          if (indexPosition >= 0) values[indexPosition] = this.#indexOf(column, plaintext)
        })
        return PrimitiveValueListNode.create(values)
      }
      if (ValueListNode.is(row)) {
        const values = [...row.values]
        encrypted.forEach((column, position) => {
          if (column === undefined) return
          const value = values[position]
          const indexPosition = indexPositions[position] ?? -1
          if (value !== undefined && ValueNode.is(value)) {
            const plaintext = value.value === undefined ? null : value.value
            values[position] =
              plaintext === null ? ValueNode.create(null) : ValueNode.create(this.#seal(column, plaintext))
            if (indexPosition >= 0) values[indexPosition] = ValueNode.create(this.#indexOf(column, plaintext))
          } else if (value === undefined || DefaultInsertValueNode.is(value)) {
            values[position] = DefaultInsertValueNode.create()
            if (indexPosition >= 0) values[indexPosition] = DefaultInsertValueNode.create()
          } else {
            throw unsupportedWrite(column, 'an SQL expression')
          }
        })
        return ValueListNode.create(values)
      }
      throw unsupportedWrite(firstEncrypted, `a ${(row as OperationNode).kind} row`)
    })
    return {
      ...node,
      columns: allNames.map((name) => ColumnNode.create(name)),
      values: ValuesNode.create(rows),
      ...(onDuplicateKey === undefined ? {} : { onDuplicateKey }),
    }
  }

  /** The encrypted column a SET target names, looked up in the innermost scope, with the name written. */
  #updateTarget(target: OperationNode): { column: EncryptedColumn; name: string } | undefined {
    let qualifier: string | undefined
    let name: string
    if (ReferenceNode.is(target) && ColumnNode.is(target.column)) {
      qualifier = target.table === undefined ? undefined : tableName(target.table)
      name = target.column.column.name
    } else if (ColumnNode.is(target)) {
      const dot = target.column.name.lastIndexOf('.')
      qualifier = dot < 0 ? undefined : target.column.name.slice(0, dot)
      name = target.column.name.slice(dot + 1)
    } else {
      return undefined
    }
    const scope = this.#scopes.at(-1)
    if (scope === undefined) return undefined
    const sources = qualifier === undefined ? [...scope.values()] : [scope.get(qualifier)]
    for (const source of sources) {
      if (source?.kind !== 'table') continue
      const plan = source.lookup?.get(name)
      if (plan?.kind === 'cipher') return { column: plan.column, name }
    }
    return undefined
  }

  #encryptUpdates(updates: readonly ColumnUpdateNode[], upsert: boolean): readonly ColumnUpdateNode[] {
    const result: ColumnUpdateNode[] = []
    const indexUpdates = new Map<string, ColumnUpdateNode>()
    for (const update of updates) {
      const target = this.#updateTarget(update.column)
      if (target === undefined) {
        result.push(update)
        continue
      }
      const { column } = target
      const indexName =
        column.blindIndex && camelCaseLike(column.column, target.name, column.blindIndex.column)
      const { value } = update
      let sealed: OperationNode
      let index: OperationNode
      if (ValueNode.is(value)) {
        const plaintext = value.value === undefined ? null : value.value
        sealed = plaintext === null ? ValueNode.create(null) : ValueNode.create(this.#seal(column, plaintext))
        index = ValueNode.create(this.#indexOf(column, plaintext))
      } else if (
        upsert &&
        FunctionNode.is(value) &&
        value.func.toLowerCase() === 'values' &&
        value.arguments.length === 1 &&
        this.#updateTarget(value.arguments[0]!)?.column === column
      ) {
        // VALUES(col): the row's own, already encrypted, insert value.
        sealed = value
        index = FunctionNode.create(value.func, [ColumnNode.create(indexName ?? target.name)])
      } else {
        throw unsupportedWrite(
          column,
          upsert ? 'an SQL expression in ON DUPLICATE KEY UPDATE' : 'an SQL expression',
        )
      }
      result.push(ColumnUpdateNode.create(update.column, sealed))
      if (column.blindIndex !== undefined && indexName !== undefined) {
        const indexTarget = ReferenceNode.is(update.column)
          ? ReferenceNode.create(ColumnNode.create(indexName), update.column.table)
          : ColumnNode.create(indexName)
        indexUpdates.set(column.blindIndex.column, ColumnUpdateNode.create(indexTarget, index))
      }
    }
    if (indexUpdates.size === 0) return result
    const managedNames = new Set([...indexUpdates.keys()].flatMap((name) => queryNameForms(name)))
    const managed = result.filter((update) => {
      const target = ReferenceNode.is(update.column) ? update.column.column : update.column
      return !(ColumnNode.is(target) && managedNames.has(target.column.name))
    })
    return [...managed, ...indexUpdates.values()]
  }

  // ---- blind-index lookups ------------------------------------------------------------------------------

  #rewriteLookups(
    node: SelectQueryNode,
  ):
    | { node: SelectQueryNode; filters: LookupFilter[]; limit: number | undefined; offset: number }
    | undefined {
    if (node.where === undefined) return undefined
    const filters: LookupFilter[] = []
    const hidden: SelectionNode[] = []
    const where = this.#rewriteConjuncts(node.where.where, filters, hidden)
    const first = filters[0]
    if (first === undefined) return undefined
    const distinct = (node.frontModifiers ?? []).some((modifier) => modifier.modifier === 'Distinct')
    if (
      node.groupBy !== undefined ||
      node.having !== undefined ||
      distinct ||
      (node.distinctOn?.length ?? 0) > 0 ||
      (node.setOperations?.length ?? 0) > 0 ||
      (node.selections ?? []).some((selection) => containsAggregate(selection))
    ) {
      throw unsupportedUse(
        first.column,
        'a blind-index lookup with GROUP BY, HAVING, DISTINCT, UNION or an aggregate',
      )
    }
    const limit = literalNumber(node.limit?.limit, 'LIMIT', first.column)
    const offset = literalNumber(node.offset?.offset, 'OFFSET', first.column) ?? 0
    const { limit: _limit, offset: _offset, ...rest } = node
    return {
      node: { ...rest, where: WhereNode.create(where), selections: [...(node.selections ?? []), ...hidden] },
      filters,
      limit,
      offset,
    }
  }

  #rewriteConjuncts(node: OperationNode, filters: LookupFilter[], hidden: SelectionNode[]): OperationNode {
    if (AndNode.is(node)) {
      return AndNode.create(
        this.#rewriteConjuncts(node.left, filters, hidden),
        this.#rewriteConjuncts(node.right, filters, hidden),
      )
    }
    if (ParensNode.is(node) && (AndNode.is(node.node) || BinaryOperationNode.is(node.node))) {
      return ParensNode.create(this.#rewriteConjuncts(node.node, filters, hidden))
    }
    if (BinaryOperationNode.is(node)) return this.#rewriteLookup(node, filters, hidden) ?? node
    return node
  }

  #rewriteLookup(
    node: BinaryOperationNode,
    filters: LookupFilter[],
    hidden: SelectionNode[],
  ): OperationNode | undefined {
    const { leftOperand: reference, operator, rightOperand } = node
    if (!ReferenceNode.is(reference) || !ColumnNode.is(reference.column) || !OperatorNode.is(operator))
      return undefined
    if (operator.operator !== '=' && operator.operator !== 'in') return undefined
    const resolved = this.#resolve(reference.table, reference.column.column.name, this.#scopes)
    if (resolved?.source.kind !== 'table' || resolved.plan.kind !== 'cipher') return undefined
    const column = resolved.plan.column
    const index = column.blindIndex
    if (index === undefined) return undefined
    let values: unknown[]
    if (operator.operator === '=' && ValueNode.is(rightOperand)) {
      values = [rightOperand.value]
    } else if (operator.operator === 'in' && PrimitiveValueListNode.is(rightOperand)) {
      values = [...rightOperand.values]
    } else if (
      operator.operator === 'in' &&
      ValueListNode.is(rightOperand) &&
      rightOperand.values.every((value) => ValueNode.is(value))
    ) {
      values = rightOperand.values.map((value) => (value as ValueNode).value)
    } else {
      return undefined
    }
    const present = values.filter((value) => value !== null && value !== undefined)
    const expected = present.map((value) =>
      encodePayload(
        index.transform === undefined ? value : index.transform(value as EncryptableValue),
        column,
      ),
    )
    const indexValues = present.map((value) => this.#indexOf(column, value))
    const key = `${LOOKUP_KEY}${filters.length}`
    filters.push({ key, column, expected })
    hidden.push(SelectionNode.create(AliasNode.create(reference, IdentifierNode.create(key))))
    const indexReference = ReferenceNode.create(
      ColumnNode.create(camelCaseLike(column.column, reference.column.column.name, index.column)),
      reference.table,
    )
    return BinaryOperationNode.create(
      indexReference,
      operator,
      operator.operator === '='
        ? ValueNode.create(indexValues[0] ?? null)
        : PrimitiveValueListNode.create(indexValues),
    )
  }

  // ---- scopes and result plans --------------------------------------------------------------------------

  #tableSourceOf(table: string): Source {
    const configured = this.#registry.table(table)
    const plans = configured === undefined ? undefined : this.#tablePlans.get(configured.name)
    return { kind: 'table', table, columns: plans?.columns, lookup: plans?.lookup }
  }

  /** A table name in FROM/JOIN: a CTE of that name if one is visible, else the table. */
  #namedSource(table: string, chain: Chain): Source {
    for (let i = chain.length - 1; i >= 0; i--) {
      const cte = chain[i]?.get(CTE_KEY + table)
      if (cte !== undefined) return cte
    }
    return this.#tableSourceOf(table)
  }

  #addSources(scope: Map<string, Source>, node: OperationNode, chain: Chain): void {
    if (TableNode.is(node)) {
      scope.set(tableName(node), this.#namedSource(tableName(node), chain))
    } else if (AliasNode.is(node)) {
      const alias = identifierName(node.alias)
      if (alias === undefined) return
      if (TableNode.is(node.node)) scope.set(alias, this.#namedSource(tableName(node.node), chain))
      else if (SelectQueryNode.is(node.node)) scope.set(alias, derived(this.#planSelect(node.node, chain)))
    } else if (node.kind === 'ListNode' || node.kind === 'UsingNode') {
      const items = node as unknown as { items?: readonly OperationNode[]; tables?: readonly OperationNode[] }
      for (const item of items.items ?? items.tables ?? []) this.#addSources(scope, item, chain)
    }
  }

  #cteScopes(withNode: WithNode | undefined, chain: Chain): Scope[] {
    if (withNode === undefined) return []
    const scope = new Map<string, Source>()
    for (const cte of withNode.expressions) {
      const name = tableName(cte.name.table)
      const columns = SelectQueryNode.is(cte.expression)
        ? this.#planSelect(cte.expression, [...chain, scope])
        : NO_PLAN
      scope.set(CTE_KEY + name, derived(columns))
    }
    return [scope]
  }

  #selectScopes(node: SelectQueryNode, chain: Chain): Scope[] {
    const ctes = this.#cteScopes(node.with, chain)
    const inner = [...chain, ...ctes]
    const scope = new Map<string, Source>()
    for (const from of node.from?.froms ?? []) this.#addSources(scope, from, inner)
    for (const join of node.joins ?? []) this.#addSources(scope, join.table, inner)
    return [...ctes, scope]
  }

  #planSelect(node: SelectQueryNode, chain: Chain): ReadonlyMap<string, ValuePlan> {
    return this.#selectionPlans(node.selections ?? [], [...chain, ...this.#selectScopes(node, chain)])
  }

  #returningPlan(selections: readonly SelectionNode[]): ResultPlan {
    return {
      fields: this.#selectionPlans(selections, this.#scopes),
      filters: [],
      limit: undefined,
      offset: 0,
    }
  }

  #resolve(
    table: TableNode | undefined,
    column: string,
    chain: Chain,
  ): { plan: ValuePlan; source: Source } | undefined {
    const qualifier = table === undefined ? undefined : tableName(table)
    for (let i = chain.length - 1; i >= 0; i--) {
      const scope = chain[i]
      if (scope === undefined) continue
      if (qualifier !== undefined) {
        const source = scope.get(qualifier)
        if (source === undefined) continue
        const plan = source.lookup?.get(column)
        return plan === undefined ? undefined : { plan, source }
      }
      for (const [key, source] of scope) {
        if (key.startsWith(CTE_KEY)) continue
        const plan = source.lookup?.get(column)
        if (plan !== undefined) return { plan, source }
      }
    }
    return undefined
  }

  #selectionPlans(selections: readonly SelectionNode[], chain: Chain): ReadonlyMap<string, ValuePlan> {
    const fields = new Map<string, ValuePlan>()
    const innermost = chain.at(-1)
    for (const { selection } of selections) {
      if (SelectAllNode.is(selection)) {
        for (const [key, source] of innermost ?? []) {
          if (!key.startsWith(CTE_KEY))
            for (const [name, plan] of source.columns ?? NO_PLAN) fields.set(name, plan)
        }
      } else if (ReferenceNode.is(selection) && SelectAllNode.is(selection.column)) {
        const source = selection.table === undefined ? undefined : innermost?.get(tableName(selection.table))
        for (const [name, plan] of source?.columns ?? NO_PLAN) fields.set(name, plan)
      } else if (ReferenceNode.is(selection) && ColumnNode.is(selection.column)) {
        const name = selection.column.column.name
        const plan = this.#resolve(selection.table, name, chain)?.plan
        if (plan !== undefined) fields.set(name, plan)
      } else if (AliasNode.is(selection)) {
        const alias = identifierName(selection.alias)
        const plan = this.#planExpression(selection.node, chain)
        if (alias !== undefined && plan !== undefined) fields.set(alias, plan)
      }
    }
    return fields
  }

  #planExpression(node: OperationNode, chain: Chain): ValuePlan | undefined {
    if (ReferenceNode.is(node) && ColumnNode.is(node.column)) {
      return this.#resolve(node.table, node.column.column.name, chain)?.plan
    }
    if (ParensNode.is(node)) return this.#planExpression(node.node, chain)
    if (SelectQueryNode.is(node) && node.selections?.length === 1) {
      const [plan] = this.#planSelect(node, chain).values()
      return plan
    }
    if (RawNode.is(node)) return this.#planJsonRaw(node, chain)
    // json_arrayagg(<json object>) and coalesce(<json>, ...), as written by hand for MariaDB, which cannot
    // correlate the derived table of Kysely's jsonArrayFrom.
    if (
      AggregateFunctionNode.is(node) &&
      node.func.toLowerCase() === 'json_arrayagg' &&
      node.aggregated.length === 1
    ) {
      const inner = this.#planExpression(node.aggregated[0]!, chain)
      return inner?.kind === 'json' && !inner.array
        ? { kind: 'json', array: true, fields: inner.fields }
        : undefined
    }
    if (FunctionNode.is(node) && node.func.toLowerCase() === 'coalesce' && node.arguments.length > 0) {
      return this.#planExpression(node.arguments[0]!, chain)
    }
    return undefined
  }

  /**
   * JSON built by Kysely's MySQL helpers: `jsonArrayFrom(query)` and `jsonObjectFrom(query)` (a raw
   * `json_object(<key, agg.column>...)` over the query aliased `agg`/`obj`) and `jsonBuildObject({...})`.
   */
  #planJsonRaw(node: RawNode, chain: Chain): ValuePlan | undefined {
    const sql = node.sqlFragments.join(' ')
    if (!/json_object\s*\(/i.test(sql)) return undefined
    const subquery = node.parameters.find((parameter) => SelectQueryNode.is(parameter))
    const alias = /\bas\s+`?(\w+)`?\s*\)?\s*$/i.exec(node.sqlFragments.at(-1) ?? '')?.[1]
    let inner = chain
    if (subquery !== undefined && alias !== undefined) {
      inner = [...chain, new Map([[alias, derived(this.#planSelect(subquery, chain))]])]
    }
    const isKey = (item: OperationNode): boolean => {
      const unwrapped = unwrapRaw(item)
      return ValueNode.is(unwrapped) && unwrapped.immediate === true && typeof unwrapped.value === 'string'
    }
    const args = node.parameters.find(
      (parameter) => RawNode.is(parameter) && parameter.parameters.some(isKey),
    )
    if (args === undefined || !RawNode.is(args)) return undefined
    const items = args.parameters
      .filter(
        (item) =>
          !(RawNode.is(item) && item.parameters.length === 0 && item.sqlFragments.join('').trim() === ','),
      )
      .map(unwrapRaw)
    const fields = new Map<string, ValuePlan>()
    for (let i = 0; i + 1 < items.length; i += 2) {
      const key = items[i]
      const value = items[i + 1]
      if (key === undefined || value === undefined || !ValueNode.is(key) || typeof key.value !== 'string')
        continue
      const plan = this.#planExpression(value, inner)
      if (plan !== undefined) fields.set(key.value, plan)
    }
    if (fields.size === 0) return undefined
    return { kind: 'json', array: /json_arrayagg\s*\(/i.test(sql), fields }
  }
}
