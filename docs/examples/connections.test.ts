import { DatabaseClosedError } from 'kysely-toolkit'
import { describe, expect, inject, it } from 'vitest'
import { openDatabase, readiness, shutDown } from './connections.js'

describe('docs/connections.md examples', () => {
  it('opens the database with the pool options, reports readiness and closes gracefully', async () => {
    const database = openDatabase({ DATABASE_URL: inject('databaseUrl') })
    try {
      expect(database.options.pool).toMatchObject({ max: 20, acquireTimeoutMs: 2_000 })
      const users = await database.db.selectFrom('users').select('id').limit(1).execute()
      expect(users).toHaveLength(1)
      const ready = await readiness(database)
      expect(ready.status).toBe(200)
      expect(ready.body).toMatch(/^ok \d+\.\d+/)
    } finally {
      await shutDown(database)
    }
    await expect(database.db.selectFrom('users').select('id').execute()).rejects.toBeInstanceOf(
      DatabaseClosedError,
    )
    const closed = await readiness(database)
    expect(closed.status).toBe(503)
  })

  it('refuses to start without a URL', () => {
    expect(() => openDatabase({})).toThrow('DATABASE_URL is not set')
  })

  it('answers 503 when the server cannot be reached', async () => {
    const database = openDatabase({ DATABASE_URL: 'mysql://root@127.0.0.1:1/shop' })
    try {
      const ready = await readiness(database)
      expect(ready.status).toBe(503)
      expect(ready.body).toContain('ECONNREFUSED')
    } finally {
      await shutDown(database)
    }
  })
})
