import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

/**
 * Docs examples import the package by its published name, as users will; in tests those names resolve to the
 * sources (tsconfig.json's `paths` does the same for the type checker).
 */
const PACKAGE_ALIASES = [
  { find: /^kysely-toolkit$/, replacement: source('./src/index.ts') },
  { find: /^kysely-toolkit\/testing$/, replacement: source('./src/testing/index.ts') },
  { find: /^kysely-toolkit\/migration$/, replacement: source('./src/migration/index.ts') },
  { find: /^kysely-toolkit\/encryption$/, replacement: source('./src/plugin/encryption/index.ts') },
  { find: /^kysely-toolkit\/codegen$/, replacement: source('./codegen/index.ts') },
  { find: /^kysely-toolkit\/prometheus$/, replacement: source('./src/prometheus/index.ts') },
  { find: /^kysely-toolkit\/backup$/, replacement: source('./src/backup/index.ts') },
]

/**
 * The CLI loads `kysely-toolkit.config.ts` files through jiti, which does not see vitest's aliases: the docs'
 * config files import `defineConfig` from 'kysely-toolkit' as users write it, so give jiti the same names
 * (jiti reads `JITI_ALIAS` when it is created).
 */
const JITI_ALIAS = JSON.stringify({
  'kysely-toolkit/testing': source('./src/testing/index.ts'),
  'kysely-toolkit/migration': source('./src/migration/index.ts'),
  'kysely-toolkit/encryption': source('./src/plugin/encryption/index.ts'),
  'kysely-toolkit/codegen': source('./codegen/index.ts'),
  'kysely-toolkit/prometheus': source('./src/prometheus/index.ts'),
  'kysely-toolkit/backup': source('./src/backup/index.ts'),
  'kysely-toolkit': source('./src/index.ts'),
})

/**
 * The server the server-backed projects run against, when scripts/run-tests.mjs runs them once per server: their
 * names then carry it (`integration@mysql-9.7`), so that every failing test's output names its server.
 */
const SERVER_NAME = process.env.KYSELY_TOOLKIT_SERVER_NAME
const onServer = (project: string): string =>
  SERVER_NAME === undefined ? project : `${project}@${SERVER_NAME}`

/**
 * The projects, run together by `npm test` or alone with `--project`:
 * - unit: no server; SQL shape through Kysely's DummyDriver, plugins driven with canned rows.
 * - integration: a real MySQL-compatible server, one throw-away database per run (see test/helpers/global-setup.ts).
 * - integration-plugins: the repository, transaction and error suites again with every toolkit plugin installed
 *   (KYSELY_TOOLKIT_SUITE_PLUGINS=all, see test/helpers/suite-plugins.ts), checked after each file to compose.
 * - types: `*.test-d.ts` files checked by the type checker.
 * - docs: builds the docs site and opens its pages in headless Chromium (Debian's chromium; screenshots saved).
 * - package: the packed tarball, imported as ESM and required as CJS (needs `npm run build` first).
 */
export default defineConfig({
  resolve: { alias: PACKAGE_ALIASES },
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          sequence: { concurrent: true },
        },
      },
      {
        test: {
          name: onServer('integration'),
          include: ['test/integration/**/*.test.ts', 'docs/examples/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          env: { JITI_ALIAS },
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: onServer('integration-plugins'),
          include: [
            'test/integration/repository/**/*.test.ts',
            'test/integration/transaction/**/*.test.ts',
            'test/integration/error/**/*.test.ts',
          ],
          globalSetup: ['test/helpers/global-setup.ts'],
          setupFiles: ['test/helpers/suite-plugins-check.ts'],
          env: { JITI_ALIAS, KYSELY_TOOLKIT_SUITE_PLUGINS: 'all' },
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: true,
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'types',
          include: [],
          typecheck: {
            enabled: true,
            only: true,
            include: ['test/types/**/*.test-d.ts'],
            tsconfig: './tsconfig.json',
          },
        },
      },
      {
        test: {
          name: 'docs',
          include: ['test/docs/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
})
