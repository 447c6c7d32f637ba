import { readdir } from 'node:fs/promises'
import { extname, resolve } from 'node:path'
import { createJiti } from 'jiti'
import type { Migration, MigrationProvider } from 'kysely/migration'
import { MigrationFailedError } from '../error/migration-failed-error.js'

const MIGRATION_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'])

/**
 * A Kysely `MigrationProvider` that loads every migration file in a folder, TypeScript included (through jiti,
 * so no build step and no loader flag is needed). Each file exports `up(db)` and optionally `down(db)`; the
 * migration's name is the file name without its extension, and names sort in order of application.
 * Declaration files (`.d.ts`) and files starting with `_` or `.` are skipped.
 *
 * @example
 * ```ts
 * import { Migrator } from 'kysely'
 * import { FolderMigrationProvider } from 'kysely-toolkit/migration'
 *
 * const migrator = new Migrator({ db, provider: new FolderMigrationProvider('./migrations') })
 * await migrator.migrateToLatest()
 * ```
 */
export class FolderMigrationProvider implements MigrationProvider {
  readonly #folder: string

  constructor(folder: string) {
    this.#folder = resolve(folder)
  }

  async getMigrations(): Promise<Record<string, Migration>> {
    let files: string[]
    try {
      files = await readdir(this.#folder)
    } catch (error) {
      throw new MigrationFailedError(
        undefined,
        [],
        new Error(`cannot read the migration folder ${this.#folder}`, { cause: error }),
      )
    }
    const jiti = createJiti(`${this.#folder}/`, { moduleCache: false, fsCache: false, interopDefault: true })
    const migrations: Record<string, Migration> = {}
    for (const file of files.sort()) {
      const extension = extname(file)
      if (!MIGRATION_EXTENSIONS.has(extension) || file.endsWith('.d.ts') || /^[._]/.test(file)) continue
      const name = file.slice(0, -extension.length)
      let loaded: unknown
      try {
        loaded = await jiti.import(resolve(this.#folder, file))
      } catch (error) {
        throw new MigrationFailedError(name, [], error)
      }
      const migration = loaded as Partial<Migration>
      if (typeof migration.up !== 'function') {
        throw new MigrationFailedError(name, [], new Error(`${file} does not export an up(db) function`))
      }
      migrations[name] = migration as Migration
    }
    return migrations
  }
}
