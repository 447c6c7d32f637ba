import { z } from 'zod'

/** File names looked for, in order, in the working directory. */
export const CONFIG_FILE_NAMES = [
  'kysely-toolkit.config.ts',
  'kysely-toolkit.config.mts',
  'kysely-toolkit.config.js',
  'kysely-toolkit.config.mjs',
] as const

export const ToolkitConfigSchema = z.strictObject({
  migrations: z
    .strictObject({
      folder: z.string({ error: 'must be a folder path' }).min(1, { error: 'must be a folder path' }),
    })
    .optional(),
  /** Validated by the codegen command itself. */
  codegen: z.record(z.string(), z.unknown(), { error: 'must be an object' }).optional(),
  /** Validated by the backup commands themselves. */
  backup: z.record(z.string(), z.unknown(), { error: 'must be an object' }).optional(),
  /** Validated by the encryption commands themselves. */
  encryption: z.record(z.string(), z.unknown(), { error: 'must be an object' }).optional(),
})

/**
 * The project's `kysely-toolkit.config.ts`. The connection is never in it: commands read `DATABASE_URL` (or
 * `DB_HOST`, `DB_PORT`, `DB_USER`, `DB_PASSWORD`, `DB_NAME`) from the environment.
 */
export type ToolkitConfig = z.input<typeof ToolkitConfigSchema>

/**
 * Declares the config file's contents with types and completion.
 *
 * @example
 * ```ts
 * // kysely-toolkit.config.ts
 * import { defineConfig } from 'kysely-toolkit'
 *
 * export default defineConfig({ migrations: { folder: './migrations' } })
 * ```
 */
export function defineConfig(config: ToolkitConfig): ToolkitConfig {
  return config
}
