import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createTestDatabase } from 'kysely-toolkit/testing'
import { describe, expect, inject, it } from 'vitest'
import { runCli } from '../../src/cli/run-cli.js'
import { captureIo } from '../../test/helpers/capture-io.js'
import { EXAMPLE_MIGRATIONS } from '../../test/helpers/paths.js'
import { generateFiles, generateInMemory } from './codegen-from-code.js'
import { orderOwner, sortable, userPrimaryKey } from './codegen-metadata.js'

const CONFIG = fileURLToPath(new URL('./codegen-cli/kysely-toolkit.config.ts', import.meta.url))

describe('docs/codegen.md examples', () => {
  it('runs `kysely-toolkit codegen` with the config file of the page', async () => {
    await using test = await createTestDatabase({ serverUrl: inject('serverUrl'), prefix: 'cgcli' })
    const outDir = await mkdtemp(join(tmpdir(), 'kt-docs-codegen-'))
    try {
      const io = captureIo({ DATABASE_URL: test.url }, outDir)
      const argv = ['codegen', '--config', CONFIG, '--folder', EXAMPLE_MIGRATIONS, '--out-dir', outDir]
      expect(await runCli(argv, io), io.err()).toBe(0)
      const types = await readFile(join(outDir, 'db.ts'), 'utf8')
      // The config's `types: { tinyint1: 'boolean' }` reached the generator.
      expect(types).toContain("tinyint1: 'boolean'")
      expect(types).toContain('export interface Users {')
      await expect(readFile(join(outDir, 'zod.ts'), 'utf8')).resolves.toContain('export const users')
      await expect(readFile(join(outDir, 'metadata.ts'), 'utf8')).resolves.toContain('export const metadata')
    } finally {
      await rm(outDir, { recursive: true, force: true })
    }
  })

  it('generates from code: in memory with camel case, and files after running the migrations', async () => {
    await using test = await createTestDatabase({ serverUrl: inject('serverUrl'), prefix: 'cgcode' })
    const projectDir = await mkdtemp(join(tmpdir(), 'kt-docs-codegen-'))
    try {
      // A project of its own: the example's migrations, and node_modules for the packages they import.
      await cp(EXAMPLE_MIGRATIONS, join(projectDir, 'migrations'), { recursive: true })
      await symlink(
        fileURLToPath(new URL('../../node_modules', import.meta.url)),
        join(projectDir, 'node_modules'),
      )
      const result = await generateFiles(test.url, projectDir)
      expect(result.migrated).toHaveLength(3)
      expect(result.tables).toBe(5)
      const types = await readFile(join(projectDir, 'src/generated/db.ts'), 'utf8')
      expect(types).toContain('first_name: string;')
      const code = await generateInMemory(test.db)
      expect(code.types).toContain('firstName: string;')
      expect(code.schema.tables.users?.primaryKey).toEqual(['id'])
      expect(code.warnings).toEqual([])
    } finally {
      await rm(projectDir, { recursive: true, force: true })
    }
  })

  it('reads keys and foreign keys from the generated metadata', () => {
    expect(userPrimaryKey).toEqual(['id'])
    expect(orderOwner).toMatchObject({
      name: 'orders_ibfk_1',
      columns: ['user_id'],
      referencedTable: 'users',
      referencedColumns: ['id'],
    })
    expect(sortable).toEqual(['email', 'created_at'])
  })
})
