import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestDatabase } from 'kysely-toolkit/testing'
import { describe, expect, inject, it } from 'vitest'
import type { DB } from '../../example/generated/db.js'
import { seedShop } from '../../example/seed.js'
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
})
