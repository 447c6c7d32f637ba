import { defineConfig } from './src/config/toolkit-config.js'

/** The repository's own config: the example shop's migrations (used by `npx kysely-toolkit migrate latest`). */
export default defineConfig({
  migrations: { folder: './example/migrations' },
})
