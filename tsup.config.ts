import { defineConfig } from 'tsup'

/**
 * One entry per public subpath; each is built as ESM and CJS with its own `.d.ts`.
 * The CLI is ESM only: it is run, never imported.
 */
export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'testing/index': 'src/testing/index.ts',
      'migration/index': 'src/migration/index.ts',
      'encryption/index': 'src/plugin/encryption/index.ts',
      'codegen/index': 'codegen/index.ts',
      'prometheus/index': 'src/prometheus/index.ts',
      'backup/index': 'src/backup/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    // No source maps: the package would ship them (3.8 of 5.8 MB) or point at files it lacks. The code is not minified.
    sourcemap: false,
    target: 'node22',
    splitting: true,
    treeshake: true,
  },
  {
    entry: { 'cli/bin': 'src/cli/bin.ts' },
    format: ['esm'],
    dts: false,
    // No source maps: the package would ship them (3.8 of 5.8 MB) or point at files it lacks. The code is not minified.
    sourcemap: false,
    target: 'node22',
    banner: { js: '#!/usr/bin/env node' },
  },
])
