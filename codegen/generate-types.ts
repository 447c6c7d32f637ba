import type { ExpressionNode } from 'kysely-codegen'
import type { ColumnMetadata } from '../src/schema/schema-metadata.js'
import type { MappedSchema } from './metadata.js'
import { tsTypesOf, type ValueType } from './type-mapping.js'

type KyselyCodegen = typeof import('kysely-codegen')

/**
 * Loads kysely-codegen (an optional peer dependency, with TypeScript, which it parses type expressions with), only
 * when codegen runs.
 *
 * @internal
 */
export async function loadKyselyCodegen(): Promise<KyselyCodegen> {
  try {
    return await import('kysely-codegen')
  } catch (error) {
    throw new Error(
      'kysely-toolkit codegen needs the kysely-codegen package (and typescript): npm install --save-dev kysely-codegen typescript',
      { cause: error },
    )
  }
}

/** Options of {@link generateTypes}. */
export interface GenerateTypesOptions {
  /** The first lines of the file (a comment saying it is generated). */
  readonly header: string
}

/**
 * Writes the `DB` interface module (`db.ts`) with kysely-codegen's transformer and serializer.
 *
 * kysely-codegen's own MySQL introspection reads `DATA_TYPE`, so it cannot see UNSIGNED, TINYINT(1), fractional
 * seconds, MariaDB's JSON or generated columns, and its adapter maps one SQL type to one TypeScript type for every
 * column. So the toolkit introspects once with `COLUMN_TYPE` ({@link introspectSchema}), hands kysely-codegen its
 * `DatabaseMetadata` built from that pass, and gives every column a complete type node through kysely-codegen's
 * `overrides.columns` (with the named types added to its MySQL adapter's definitions). kysely-codegen still names
 * the interfaces, camel-cases keys, collects imports and definitions and prints the module.
 *
 * @example
 * ```ts
 * const source = await generateTypes(buildSchemaMetadata(schema, { types }), { header: '// generated\n' })
 * ```
 */
export async function generateTypes(mapped: MappedSchema, options: GenerateTypesOptions): Promise<string> {
  const codegen = await loadKyselyCodegen()
  const {
    ColumnTypeNode,
    DatabaseMetadata,
    GenericExpressionNode,
    IdentifierNode,
    LiteralNode,
    ModuleReferenceNode,
    MysqlAdapter,
    MysqlDialect,
    UnionExpressionNode,
    serializeFromMetadata,
  } = codegen
  const id = (name: string) => new IdentifierNode(name)
  const union = (...names: string[]) => new UnionExpressionNode(names.map(id))
  const bigintSelect = mapped.metadata.types.bigint === 'bigint' ? 'bigint' : 'string'
  const definitions = {
    Bit: new ColumnTypeNode(id('Buffer'), union('Buffer', 'number'), union('Buffer', 'number')),
    Decimal: new ColumnTypeNode(id('string'), union('number', 'string'), union('number', 'string')),
    Int8: new ColumnTypeNode(
      id(bigintSelect),
      union('bigint', 'number', 'string'),
      union('bigint', 'number', 'string'),
    ),
    Timestamp: new ColumnTypeNode(id('Date'), union('Date', 'string'), union('Date', 'string')),
    TimestampString: new ColumnTypeNode(id('string'), union('Date', 'string'), union('Date', 'string')),
  }

  class ToolkitMysqlAdapter extends MysqlAdapter {
    override readonly definitions = { ...new MysqlAdapter().definitions, ...definitions }
    override readonly imports = {
      ...new MysqlAdapter().imports,
      GeneratedAlways: new ModuleReferenceNode('kysely'),
    }
  }
  class ToolkitMysqlDialect extends MysqlDialect {
    override readonly adapter = new ToolkitMysqlAdapter()
  }

  const baseNode = (value: ValueType): ExpressionNode => {
    const types = tsTypesOf(value)
    if (types.alias !== undefined) return id(types.alias)
    if (value.kind === 'enum') {
      if (value.values.length === 0) return id('never')
      const literals = value.values.map((item) => new LiteralNode(item))
      return literals.length === 1 ? literals[0]! : new UnionExpressionNode(literals)
    }
    return id(types.select)
  }
  const columnNode = (column: ColumnMetadata, value: ValueType): ExpressionNode => {
    // GeneratedAlways<S> is ColumnType<S, never, never>: S must be the plain select type, not a ColumnType alias.
    let node =
      column.insert === 'never' && tsTypesOf(value).alias !== undefined
        ? id(tsTypesOf(value).select)
        : baseNode(value)
    if (column.nullable) {
      node = new UnionExpressionNode([
        ...(node instanceof UnionExpressionNode ? node.args : [node]),
        id('null'),
      ])
    }
    if (column.insert === 'never') return new GenericExpressionNode('GeneratedAlways', [node])
    if (column.insert === 'optional') return new GenericExpressionNode('Generated', [node])
    return node
  }

  const overrides: Record<string, ExpressionNode> = {}
  const tables = Object.values(mapped.metadata.tables).map((table) => ({
    name: table.tableName,
    isView: table.kind === 'view',
    columns: Object.values(table.columns).map((column) => {
      const value = mapped.valueTypes.get(table.name)?.get(column.name) ?? { kind: 'unknown' as const }
      overrides[`${table.tableName}.${column.columnName}`] = columnNode(column, value)
      return {
        name: column.columnName,
        dataType: column.dataType,
        // The override carries nullability and insert optionality; these flags stay off so nothing is added twice.
        isNullable: false,
        hasDefaultValue: false,
        isAutoIncrementing: false,
        comment: describeColumn(column),
      }
    }),
  }))
  const source = serializeFromMetadata({
    metadata: new DatabaseMetadata({ tables }),
    dialect: new ToolkitMysqlDialect(),
    camelCase: mapped.metadata.camelCase,
    overrides: { columns: overrides },
    skipAutogeneratedFileComment: true,
    typeOnlyImports: true,
  })
  return `${options.header}\n${source}`
}

/** The JSDoc of a generated property: the SQL column type, its extras, and the column comment. */
function describeColumn(column: ColumnMetadata): string {
  const facts = [column.columnType]
  if (!column.nullable) facts.push('not null')
  if (column.autoIncrement) facts.push('auto_increment')
  if (column.generated) facts.push(`generated (${column.generated})`)
  else if (column.default?.kind === 'value') facts.push(`default ${JSON.stringify(column.default.value)}`)
  else if (column.default?.kind === 'expression') facts.push(`default ${column.default.sql}`)
  if (column.onUpdate) facts.push(`on update ${column.onUpdate}`)
  const described = facts.join(', ').replaceAll('*/', '*\\/')
  return column.comment
    ? `${column.comment.replaceAll('*/', '*\\/')}\n\n\`${described}\``
    : `\`${described}\``
}
