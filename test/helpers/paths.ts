import { fileURLToPath } from 'node:url'

/** The example shop's migration folder. */
export const EXAMPLE_MIGRATIONS = fileURLToPath(new URL('../../example/migrations', import.meta.url))
