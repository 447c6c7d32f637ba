import { z } from 'zod'
import type { EncryptedTables } from '../plugin/encryption/encrypted-columns.js'

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
 * The `encryption` section of the config file, for `kysely-toolkit encryption rotate|status`: the encrypted
 * columns (the `tables` the application gives `EncryptionPlugin`, in the database's names) and where the keys are
 * in the environment. Keys are never in the config file.
 *
 * @example
 * ```ts
 * // kysely-toolkit.config.ts
 * export default defineConfig({ encryption: { tables: { users: { ssn: { maxPlaintextBytes: 11 } } } } })
 * ```
 */
export interface EncryptionConfig {
  readonly tables: EncryptedTables
  /** Rotate legacy plaintext as well (the plugin's `readLegacyPlaintext`). Defaults to `false`. */
  readonly readLegacyPlaintext?: boolean | undefined
  /**
   * Names of the environment variables holding the keys. Default to `ENCRYPTION_KEYS`,
   * `ENCRYPTION_CURRENT_KEY_ID` and `BLIND_INDEX_KEY`.
   */
  readonly env?:
    | {
        readonly keys?: string | undefined
        readonly currentKeyId?: string | undefined
        readonly blindIndexKey?: string | undefined
      }
    | undefined
}

/**
 * The project's `kysely-toolkit.config.ts`. The connection is never in it: commands read `DATABASE_URL` (or
 * `DB_HOST`, `DB_PORT`, `DB_USER`, `DB_PASSWORD`, `DB_NAME`) from the environment.
 */
export type ToolkitConfig = Omit<z.input<typeof ToolkitConfigSchema>, 'encryption'> & {
  /** The encrypted columns for `kysely-toolkit encryption`; validated by that command. */
  readonly encryption?: EncryptionConfig | undefined
}

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
