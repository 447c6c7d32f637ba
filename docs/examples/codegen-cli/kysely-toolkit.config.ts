// The codegen config of docs/codegen.md; docs/examples/codegen.test.ts runs `kysely-toolkit codegen` with it.
// #region config
// kysely-toolkit.config.ts
import { defineConfig } from 'kysely-toolkit'

export default defineConfig({
  migrations: { folder: './migrations' },
  codegen: {
    outDir: './src/generated', // default
    typesFile: 'db.ts', // default; metadataFile: 'metadata.ts', zodFile: 'zod.ts' (false: do not write)
    camelCase: false, // default; true needs Kysely's CamelCasePlugin at run time
    migrate: true, // default
    include: [], // table names, `*` wildcards; default: every table
    exclude: [],
    types: { tinyint1: 'boolean' }, // how values are read: see below; give createDatabase the same
  },
})
// #endregion config
