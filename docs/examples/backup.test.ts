import { copyFile, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createTestDatabase } from 'kysely-toolkit/testing'
import { describe, expect, inject, it } from 'vitest'
import type { DB } from '../../example/generated/db.js'
import { seedShop } from '../../example/seed.js'
import { runCli } from '../../src/cli/run-cli.js'
import { captureIo } from '../../test/helpers/capture-io.js'
import { EXAMPLE_MIGRATIONS } from '../../test/helpers/paths.js'
import { dropDatabases } from '../../test/integration/backup/compare.js'
import { backupRestoreVerify, nightlyBackups } from './backup.js'

describe('docs example: backups', () => {
  it('backs up, restores, verifies and prunes', async () => {
    const serverUrl = inject('serverUrl')
    await using test = await createTestDatabase<DB>({
      serverUrl,
      migrations: EXAMPLE_MIGRATIONS,
      seed: (db) => seedShop(db, { users: 5 }),
      prefix: 'bkdocs',
    })
    const directory = await mkdtemp(join(tmpdir(), 'kt-docs-backup-'))
    const copy = `${test.name}_copy`
    try {
      const result = await backupRestoreVerify(test.database, directory, copy)
      expect(result.restored).toMatchObject({ target: copy, rows: result.backup.manifest.rows })
      expect(result.report.ok).toBe(true)
      expect(result.deleted).toEqual([])
      expect(result.backups.map((entry) => entry.status)).toEqual(['ok'])
      const schedule = await nightlyBackups(test.database, directory)
      expect(schedule.nextRun()?.getUTCHours()).toBe(3)
      schedule.stop()
      expect(schedule.nextRun()).toBeNull()
    } finally {
      await dropDatabases(serverUrl, [copy])
      await rm(directory, { recursive: true, force: true })
    }
  })

  it('runs the commands with the defaults from the config file', async () => {
    await using test = await createTestDatabase<DB>({
      serverUrl: inject('serverUrl'),
      migrations: EXAMPLE_MIGRATIONS,
      seed: (db) => seedShop(db, { users: 3 }),
      prefix: 'bkcli',
    })
    // A project folder holding the page's config file, as the command finds it: ./kysely-toolkit.config.ts.
    const project = await mkdtemp(join(tmpdir(), 'kt-docs-backup-cli-'))
    try {
      const config = fileURLToPath(new URL('./backup-cli/kysely-toolkit.config.ts', import.meta.url))
      await copyFile(config, join(project, 'kysely-toolkit.config.ts'))
      const run = async (...argv: string[]) => {
        const io = captureIo({ DATABASE_URL: test.url }, project)
        expect(await runCli(['backup', ...argv, '--json'], io), io.err()).toBe(0)
        return JSON.parse(io.out()) as Record<string, unknown>
      }
      const created = await run('create')
      expect(JSON.stringify(created)).toContain(join(project, 'backups', test.name))
      // Without the config's retention, prune would refuse to run (it needs --keep-last or --keep-days).
      const pruned = await run('prune')
      expect(pruned).toMatchObject({ deleted: [] })
    } finally {
      await rm(project, { recursive: true, force: true })
    }
  })
})
