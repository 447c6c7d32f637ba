import { z } from 'zod'
import { type TypeCastOptions, TypeCastOptionsSchema } from '../src/database/type-cast.js'
import { parseOptions } from '../src/util/parse-options.js'

const PATH = 'must be a file path'
const filePath = () => z.string({ error: PATH }).min(1, { error: PATH })
const NAMES = 'must be an array of table names (a * matches any characters)'
const tableNames = () => z.array(z.string({ error: NAMES }).min(1, { error: NAMES }), { error: NAMES })

/**
 * The zod schema of the `codegen` section of `kysely-toolkit.config.ts` (see {@link CodegenConfig}).
 *
 * @internal
 */
export const CodegenConfigSchema = z.strictObject({
  outDir: filePath().default('./src/generated'),
  typesFile: filePath().default('db.ts'),
  metadataFile: z
    .union([filePath(), z.literal(false)], { error: 'must be a file path or false' })
    .default('metadata.ts'),
  zodFile: z
    .union([filePath(), z.literal(false)], { error: 'must be a file path or false' })
    .default('zod.ts'),
  camelCase: z.boolean({ error: 'must be true or false' }).default(false),
  migrate: z.boolean({ error: 'must be true or false' }).default(true),
  include: tableNames().default([]),
  exclude: tableNames().default([]),
  migrationTableName: filePath().default('kysely_migration'),
  migrationLockTableName: filePath().default('kysely_migration_lock'),
  types: TypeCastOptionsSchema.default(() => TypeCastOptionsSchema.parse({})),
})

/**
 * The `codegen` section of `kysely-toolkit.config.ts`; every field is optional. CLI flags override it.
 *
 * @example
 * ```ts
 * // kysely-toolkit.config.ts
 * import { defineConfig } from 'kysely-toolkit'
 *
 * export default defineConfig({
 *   migrations: { folder: './migrations' },
 *   codegen: { outDir: './src/db/generated', camelCase: true, types: { tinyint1: 'boolean' } },
 * })
 * ```
 */
export interface CodegenConfig {
  /** Folder of the generated files, relative to the config file. Defaults to `'./src/generated'`. */
  readonly outDir?: string
  /** The `DB` types module, relative to `outDir`. Defaults to `'db.ts'`. */
  readonly typesFile?: string
  /** The runtime metadata module, relative to `outDir`, or `false` for none. Defaults to `'metadata.ts'`. */
  readonly metadataFile?: string | false
  /** The zod schemas module, relative to `outDir`, or `false` for none. Defaults to `'zod.ts'`. */
  readonly zodFile?: string | false
  /** Camel-case table and column names (install Kysely's `CamelCasePlugin` then). Defaults to `false`. */
  readonly camelCase?: boolean
  /** Run pending migrations first (when the migration folder exists). Defaults to `true`. */
  readonly migrate?: boolean
  /** Only these tables (SQL names; `*` matches any characters). Defaults to every table. */
  readonly include?: readonly string[]
  /** Leave these tables out (Kysely's migration tables always are). Defaults to `[]`. */
  readonly exclude?: readonly string[]
  /** Kysely's migration table, left out of the output. Defaults to `'kysely_migration'`. */
  readonly migrationTableName?: string
  /** Kysely's migration lock table, left out of the output. Defaults to `'kysely_migration_lock'`. */
  readonly migrationLockTableName?: string
  /** How the database reads values: give `createDatabase` the same `types`. Defaults as in `TypeCastOptions`. */
  readonly types?: TypeCastOptions
}

/** {@link CodegenConfig} with every default applied; frozen. */
export type ResolvedCodegenConfig = z.output<typeof CodegenConfigSchema>

/**
 * Validates the `codegen` section and applies the defaults. `section` names it in messages (for a config file,
 * `'codegen'`, so a wrong field reads `codegen.camelCase must be true or false (got "yes")`).
 *
 * @throws {InvalidOptionsError} naming each wrong field.
 *
 * @example
 * ```ts
 * const config = resolveCodegenConfig({ camelCase: true })
 * config.outDir // './src/generated'
 * ```
 */
export function resolveCodegenConfig(
  config: unknown = {},
  subject = 'codegen options',
  section?: string,
): ResolvedCodegenConfig {
  if (section === undefined) return parseOptions(CodegenConfigSchema, config ?? {}, subject)
  const wrapped = z.strictObject({ [section]: CodegenConfigSchema })
  return parseOptions(wrapped, { [section]: config ?? {} }, subject)[section] as ResolvedCodegenConfig
}

/**
 * A table filter from `include` and `exclude` patterns (SQL names, `*` wildcards); Kysely's migration tables are
 * always left out.
 *
 * @internal
 */
export function createTableFilter(config: ResolvedCodegenConfig): (tableName: string) => boolean {
  const toRegExp = (pattern: string) =>
    new RegExp(
      `^${pattern
        .split('*')
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    )
  const include = config.include.map(toRegExp)
  const exclude = config.exclude.map(toRegExp)
  const internal = new Set([config.migrationTableName, config.migrationLockTableName])
  return (tableName) =>
    !internal.has(tableName) &&
    (include.length === 0 || include.some((pattern) => pattern.test(tableName))) &&
    !exclude.some((pattern) => pattern.test(tableName))
}
