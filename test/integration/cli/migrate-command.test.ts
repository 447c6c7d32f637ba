import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { type AddressInfo, createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { runCli } from '../../../src/cli/run-cli.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/index.js'
import { captureIo } from '../../helpers/capture-io.js'
import { runScript } from '../../helpers/run-script.js'

const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url))
const BIN = fileURLToPath(new URL('../../../src/cli/bin.ts', import.meta.url))
let test: TestDatabase<unknown>

beforeAll(async () => {
  test = await createTestDatabase({ serverUrl: inject('serverUrl'), prefix: 'ktcli' })
})
afterAll(async () => {
  await test.destroy()
})

describe('kysely-toolkit migrate', () => {
  it('lists, applies and reverts the example migrations named by the config file', async () => {
    const env = { DATABASE_URL: test.url }
    const status = captureIo(env, repositoryRoot)
    expect(await runCli(['migrate', 'status'], status)).toBe(0)
    expect(status.out()).toContain('0 applied, 3 pending')

    const latest = captureIo(env, repositoryRoot)
    expect(await runCli(['migrate', 'latest'], latest)).toBe(0)
    expect(latest.out()).toContain('applied   2024-01-03T00-00-00_create_accounts')
    expect(latest.out()).toContain('3 migration(s) applied')

    const again = captureIo(env, repositoryRoot)
    expect(await runCli(['migrate'], again)).toBe(0)
    expect(again.out()).toBe('nothing to do\n')

    const down = captureIo(env, repositoryRoot)
    expect(await runCli(['migrate', 'down'], down)).toBe(0)
    expect(down.out()).toContain('reverted  2024-01-03T00-00-00_create_accounts')
    const tables = await test.db.introspection.getTables()
    expect(tables.map((table) => table.name)).not.toContain('accounts')

    const up = captureIo(env, repositoryRoot)
    expect(await runCli(['migrate', 'up'], up)).toBe(0)
    expect(up.out()).toContain('1 migration(s) applied')
  })

  it('names a failing migration and exits 1', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kt-migrations-'))
    // A user's migrations resolve `kysely` from their project's node_modules.
    await symlink(join(repositoryRoot, 'node_modules'), join(folder, 'node_modules'))
    try {
      await writeFile(
        join(folder, '001_ok.ts'),
        "import { sql, type Kysely } from 'kysely'\nexport async function up(db: Kysely<unknown>) { await sql`create table cli_ok (id int primary key)`.execute(db) }\n",
      )
      await writeFile(
        join(folder, '002_broken.ts'),
        "import { sql, type Kysely } from 'kysely'\nexport async function up(db: Kysely<unknown>) { await sql`create tabel nope (id int)`.execute(db) }\n",
      )
      await using fresh = await createTestDatabase({ serverUrl: inject('serverUrl'), prefix: 'ktcli' })
      const io = captureIo({ DATABASE_URL: fresh.url }, folder)
      expect(await runCli(['migrate', 'latest', '--folder', folder], io)).toBe(1)
      expect(io.err()).toContain('Migration 002_broken failed:')
      expect(io.err()).toContain('You have an error in your SQL syntax')
      // The migration before the failing one stays applied (MySQL DDL is not transactional).
      const tables = await fresh.db.introspection.getTables()
      expect(tables.map((table) => table.name)).toEqual(['cli_ok'])
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })

  it('says what a migration that failed half-way left behind, so the next run is not a surprise', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'kt-migrations-'))
    await symlink(join(repositoryRoot, 'node_modules'), join(folder, 'node_modules'))
    try {
      await writeFile(
        join(folder, '001_half.ts'),
        [
          "import { sql, type Kysely } from 'kysely'",
          'export async function up(db: Kysely<unknown>) {',
          '  await sql`create table half_a (id int primary key)`.execute(db)',
          '  await sql`create index half_a_id on half_a (id)`.execute(db)',
          '  await sql`create tabel half_b (id int)`.execute(db)',
          '}',
          '',
        ].join('\n'),
      )
      await using fresh = await createTestDatabase({ serverUrl: inject('serverUrl'), prefix: 'ktcli' })
      const io = captureIo({ DATABASE_URL: fresh.url }, folder)
      expect(await runCli(['migrate', 'latest', '--folder', folder], io)).toBe(1)
      expect(io.err()).toContain('Migration 001_half failed: You have an error in your SQL syntax')
      expect(io.err()).toContain(
        'It is not recorded as applied, but what it did before failing stays (DDL is not transactional in MySQL and MariaDB): created table half_a. Undo that',
      )
      // The next run fails on what was left, as the message warned.
      const again = captureIo({ DATABASE_URL: fresh.url }, folder)
      expect(await runCli(['migrate', 'latest', '--folder', folder], again)).toBe(1)
      expect(again.err()).toMatch(/already exists/)
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })

  it('answers usage mistakes with exit code 2 and the usage', async () => {
    const io = captureIo({ DATABASE_URL: test.url }, repositoryRoot)
    expect(await runCli(['migrate', 'sideways'], io)).toBe(2)
    expect(io.err()).toContain('unknown migrate action "sideways"')
    expect(io.err()).toContain('Usage: kysely-toolkit migrate')
    const unknownFlag = captureIo({ DATABASE_URL: test.url }, repositoryRoot)
    expect(await runCli(['migrate', '--password', 'x'], unknownFlag)).toBe(2)
    expect(unknownFlag.err()).toContain("Unknown option '--password'")
  })

  it('says what is missing when no connection is configured', async () => {
    const io = captureIo({}, repositoryRoot)
    expect(await runCli(['migrate', 'status'], io)).toBe(1)
    expect(io.err()).toContain('DATABASE_URL or DB_HOST (or DB_SOCKET_PATH) must be set')
  })
})

describe('kysely-toolkit health', () => {
  it('exits 0 and prints the server when healthy, 1 with the reason when not', async () => {
    const healthy = captureIo({ DATABASE_URL: test.url }, repositoryRoot)
    expect(await runCli(['health'], healthy)).toBe(0)
    // The version is what the server reports, which may hold spaces (Debian's MariaDB 11.8: "11.8.9-MariaDB-0+deb13u1 from Debian-log").
    expect(healthy.out()).toMatch(/^healthy {2}\d+\.\d+\.\d+\S*( \S+)* {2}[\d.]+ ms {2}pool: 1 open/)

    const json = captureIo({ DATABASE_URL: test.url }, repositoryRoot)
    expect(await runCli(['health', '--json'], json)).toBe(0)
    expect(JSON.parse(json.out())).toMatchObject({ status: 'healthy', pool: { max: 2 } })

    const down = captureIo({ DATABASE_URL: 'mysql://root@127.0.0.1:1/x' }, repositoryRoot)
    expect(await runCli(['health'], down)).toBe(1)
    expect(down.out()).toContain('unhealthy  ECONNREFUSED')
  })

  it('answers --help for every command', async () => {
    for (const name of ['migrate', 'health']) {
      const io = captureIo({}, repositoryRoot)
      expect(await runCli([name, '--help'], io)).toBe(0)
      expect(io.out()).toContain(`Usage: kysely-toolkit ${name}`)
    }
  })
})

describe('kysely-toolkit health --timeout against a server that never answers', () => {
  it('prints unhealthy and exits within the timeout, not the 10 s connect timeout', async () => {
    // Our own listener on 127.0.0.1: it accepts the connection and never sends the handshake.
    const sockets: Socket[] = []
    const silent = createServer((socket) => void sockets.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const { port } = silent.address() as AddressInfo
    try {
      const result = await runScript(
        BIN,
        { DATABASE_URL: `mysql://root@127.0.0.1:${port}/none` },
        { args: ['health', '--timeout', '500'] },
      )
      expect(result.stdout).toMatch(/^unhealthy {2}HEALTH_TIMEOUT/)
      expect(result.code).toBe(1)
      // jiti's start-up included; the 10 s connect timeout is what it must not wait for.
      expect(result.elapsedMs).toBeLessThan(5_000)
    } finally {
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
  })
})

describe('kysely-toolkit errors', () => {
  it('are one line, without zod issue dumps; --verbose adds the causes', async () => {
    const env = { DB_HOST: '127.0.0.1', DB_PORT: '99999999' }
    const plain = captureIo(env, repositoryRoot)
    expect(await runCli(['health'], plain)).toBe(1)
    expect(plain.err()).toBe(
      'kysely-toolkit health: Invalid database options: port must be a port number from 1 to 65535 (got 99999999)\n',
    )
    const verbose = captureIo(env, repositoryRoot)
    expect(await runCli(['health', '--verbose'], verbose)).toBe(1)
    expect(verbose.err()).toContain('  caused by: ')
    expect(verbose.err()).toContain('"too_big"')
  })

  it('name a malformed DATABASE_URL in one line', async () => {
    const io = captureIo({ DATABASE_URL: 'mysql://app:50%off@127.0.0.1/shop' }, repositoryRoot)
    expect(await runCli(['health'], io)).toBe(1)
    expect(io.err()).toBe(
      'kysely-toolkit health: Invalid database environment: DATABASE_URL has a malformed percent-escape in its password: write a literal % as %25 (encodeURIComponent does) (got "mysql://app:***@127.0.0.1/shop")\n',
    )
  })

  it('answer a usage mistake with the synopsis, not the whole help', async () => {
    const io = captureIo({}, repositoryRoot)
    expect(await runCli(['backup', 'restore', 'x.ktb.json'], io)).toBe(2)
    expect(io.err()).toBe(
      'kysely-toolkit backup: --target <database> is required\n\nUsage: kysely-toolkit backup <create|restore|verify|list|prune> [options]\n\nRun kysely-toolkit backup --help for every option.\n',
    )
  })
})

describe('kysely-toolkit on an older Node.js', () => {
  const oldNode = '/usr/bin/node'
  const version = existsSync(oldNode)
    ? execFileSync(oldNode, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim()
    : undefined
  it.skipIf(version === undefined || Number(version.split('.')[0]) >= 22)(
    `says it needs Node.js 22 instead of failing somewhere (${oldNode} is ${version ?? 'absent'})`,
    () => {
      const jiti = fileURLToPath(new URL('../../../node_modules/jiti/lib/jiti-cli.mjs', import.meta.url))
      let stderr = ''
      let status: number | null = 0
      try {
        execFileSync(oldNode, [jiti, BIN, '--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      } catch (error) {
        stderr = String((error as { stderr?: unknown }).stderr)
        status = (error as { status: number | null }).status
      }
      expect(status).toBe(1)
      expect(stderr).toBe(
        `kysely-toolkit needs Node.js 22 or newer (24 recommended); this is Node.js ${version}\n`,
      )
    },
  )
})
