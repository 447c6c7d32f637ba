import { defineConfig } from 'vitest/config'

/**
 * Four projects, run together by `npm test` or alone with `--project`:
 * - unit: no server; SQL shape through Kysely's DummyDriver, plugins driven with canned rows.
 * - integration: a real MySQL-compatible server, one throw-away database per run (see test/helpers/global-setup.ts).
 * - types: `*.test-d.ts` files checked by the type checker.
 * - package: the packed tarball, imported as ESM and required as CJS (needs `npm run build` first).
 */
export default defineConfig({
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
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'docs/examples/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
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
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
})
