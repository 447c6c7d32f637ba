// From its own module, not './src/index.js': the CLI loads this file through jiti, which would transpile the whole
// library for one function (a user's config imports 'kysely-toolkit', the built package).
import { defineConfig } from './src/config/toolkit-config.js'

/**
 * The repository's own config: the example shop's migrations (`npx kysely-toolkit migrate latest`) and its
 * generated types, metadata and zod schemas (`npx kysely-toolkit codegen`, checked in CI with `--check`).
 */
export default defineConfig({
  migrations: { folder: './example/migrations' },
  codegen: { outDir: './example/generated' },
})
