// The "From code" examples of docs/codegen.md, run by docs/examples/codegen.test.ts against a real server.
// #region from-code
import type { Kysely } from 'kysely'
import { type GeneratedCode, generateCode, runCodegen } from 'kysely-toolkit/codegen'

/** The three modules in memory, e.g. to print them or compare them with something. */
export function generateInMemory(db: Kysely<unknown>): Promise<GeneratedCode> {
  return generateCode(db, { camelCase: true }) // { types, metadata, zod, schema, warnings }
}

/** What `kysely-toolkit codegen` does: run pending migrations, introspect, write the three files together. */
export function generateFiles(url: string, projectDir: string) {
  return runCodegen({
    database: { url },
    baseDir: projectDir, // relative paths start here; defaults to process.cwd()
    config: { outDir: './src/generated' },
    migrationsFolder: './migrations',
  })
}
// #endregion from-code
