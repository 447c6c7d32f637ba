import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { sql } from 'kysely'
import { createConnection } from 'mysql2/promise'
import { describe, expect, inject, it } from 'vitest'
import { createTestDatabase, sweepAbandonedDatabases } from '../../../src/testing/index.js'
import { EXAMPLE_MIGRATIONS } from '../../helpers/paths.js'
import { runScript } from '../../helpers/run-script.js'

const serverUrl = inject('serverUrl')
const fixture = (path: string) => fileURLToPath(new URL(`../../fixtures/${path}`, import.meta.url))

async function databaseExists(name: string): Promise<boolean> {
  const admin = await createConnection({ uri: serverUrl })
  try {
    const [rows] = await admin.query('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
      name,
    ])
    return (rows as unknown[]).length === 1
  } finally {
    await admin.end()
  }
}

function nameFrom(output: string): string {
  const match = /DATABASE_NAME=(\w+)/.exec(output)
  if (!match?.[1]) throw new Error(`no database name in output: ${output}`)
  return match[1]
}

describe(createTestDatabase.name, () => {
  it('creates a migrated utf8mb4 database and drops it on destroy', async () => {
    const test = await createTestDatabase({ serverUrl, migrations: EXAMPLE_MIGRATIONS, prefix: 'ktunit' })
    expect(test.name).toMatch(/^ktunit_\d+_[a-z0-9]+_[0-9a-f]{8}$/)
    const charset = await sql<{
      charset: string
    }>`select default_character_set_name as charset from information_schema.schemata where schema_name = database()`.execute(
      test.db,
    )
    expect(charset.rows[0]?.charset).toBe('utf8mb4')
    const tables = await test.db.introspection.getTables()
    expect(tables.map((table) => table.name).sort()).toEqual([
      'account_transactions',
      'accounts',
      'order_items',
      'orders',
      'users',
    ])
    await test.destroy()
    await test.destroy() // idempotent
    expect(await databaseExists(test.name)).toBe(false)
  })

  it('drops the database when the seed fails, and reports the seed error', async () => {
    let name = ''
    await expect(
      createTestDatabase({
        serverUrl,
        prefix: 'ktunit',
        seed: async (db) => {
          name = (await sql<{ name: string }>`select database() as name`.execute(db)).rows[0]!.name
          throw new Error('seed exploded')
        },
      }),
    ).rejects.toThrow('seed exploded')
    expect(name).not.toBe('')
    expect(await databaseExists(name)).toBe(false)
  })

  it('rejects a prefix that is not a plain identifier', async () => {
    await expect(createTestDatabase({ serverUrl, prefix: 'x`; drop database test; --' })).rejects.toThrow(
      'prefix must be 1 to 16 lower-case letters and digits',
    )
  })

  it("drops the run's database after a failing test", async () => {
    const result = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          fileURLToPath(new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url)),
          'run',
          '--config',
          fixture('failing-run/vitest.config.ts'),
        ],
        { env: { ...process.env, TEST_DATABASE_URL: serverUrl }, stdio: ['ignore', 'pipe', 'pipe'] },
      )
      let output = ''
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
      })
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString()
      })
      child.on('error', reject)
      child.on('exit', (code) => resolve({ code, output }))
    })
    expect(result.code).toBe(1)
    expect(result.output).toContain('fails on purpose')
    expect(await databaseExists(nameFrom(result.output))).toBe(false)
  })

  it('drops the database when the process is interrupted with SIGINT', async () => {
    let name = ''
    const result = await runScript(
      fixture('processes/hold-test-database.ts'),
      { SERVER_URL: serverUrl },
      {
        onStdout: (text, child) => {
          if (!name && text.includes('DATABASE_NAME=')) {
            name = nameFrom(text)
            child.kill('SIGINT')
          }
        },
      },
    )
    expect(result.signal).toBe('SIGINT')
    expect(await databaseExists(name)).toBe(false)
  })

  it('sweeps the database of a killed process on the next run', async () => {
    let name = ''
    await runScript(
      fixture('processes/hold-test-database.ts'),
      { SERVER_URL: serverUrl },
      {
        onStdout: (text, child) => {
          if (!name && text.includes('DATABASE_NAME=')) {
            name = nameFrom(text)
            child.kill('SIGKILL')
          }
        },
      },
    )
    expect(await databaseExists(name)).toBe(true)
    const dropped = await sweepAbandonedDatabases(serverUrl, 'kthold')
    expect(dropped).toContain(name)
    expect(await databaseExists(name)).toBe(false)
  })
})
