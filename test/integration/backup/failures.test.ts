import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  ArchiveCorruptError,
  BackupFailedError,
  type BackupResult,
  createBackup,
  listBackups,
  RestoreFailedError,
  RestoreTargetExistsError,
  restoreBackup,
} from '../../../src/backup/index.js'
import { createDatabase } from '../../../src/database/create-database.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/test-database.js'
import { runScript } from '../../helpers/run-script.js'
import { onMysql } from '../../helpers/test-server.js'
import {
  createLoginUser,
  databaseExists,
  dropDatabases,
  numbersTable,
  runStatements,
  snapshotDatabase,
} from './compare.js'
import { serverTools } from './server-tools.js'

const serverUrl = inject('serverUrl')
let test: TestDatabase<unknown>
let directory: string
let backup: BackupResult
const cleanup: string[] = []
const ROWS = 200_000

beforeAll(async () => {
  test = await createTestDatabase({ serverUrl })
  await runStatements(serverUrl, test.name, [
    'CREATE TABLE big (id INT PRIMARY KEY, label VARCHAR(64) NOT NULL, KEY (label)) ENGINE=InnoDB',
    `INSERT INTO big SELECT n, SHA2(n, 256) FROM ${numbersTable(ROWS)}`,
  ])
  directory = await mkdtemp(join(tmpdir(), 'kt-fail-'))
  backup = await createBackup(test.database, { directory, statementBytes: 64 * 1024 })
})

afterAll(async () => {
  await dropDatabases(serverUrl, cleanup)
  await test?.destroy()
  if (directory) await rm(directory, { recursive: true, force: true })
})

async function temporaryDatabases(): Promise<string[]> {
  const connection = await (await import('mysql2/promise')).createConnection({ uri: serverUrl })
  try {
    const [rows] = await connection.query(
      "SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'ktr\\_%'",
    )
    return (rows as { name: string }[]).map((row) => row.name)
  } finally {
    await connection.end()
  }
}

/** Runs one query on the server and returns its rows. */
async function queryRows<T>(sql: string): Promise<T[]> {
  const connection = await (await import('mysql2/promise')).createConnection({ uri: serverUrl })
  try {
    const [rows] = await connection.query(sql)
    return rows as T[]
  } finally {
    await connection.end()
  }
}

/** Waits (up to 10 s) until the server has freed the user lock `name`, which it does when its session ends. */
async function waitForFreeLock(name: string): Promise<void> {
  const connection = await (await import('mysql2/promise')).createConnection({ uri: serverUrl })
  try {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      const [rows] = await connection.query('SELECT IS_FREE_LOCK(?) AS free', [name])
      if (Number((rows as { free: unknown }[])[0]?.free) === 1) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`the server still holds the lock ${name} of the killed restore after 10 s`)
  } finally {
    await connection.end()
  }
}

/** A copy of the backup's two files under another directory, to damage. */
async function copyOfBackup(): Promise<{ manifestPath: string; archivePath: string }> {
  const folder = await mkdtemp(join(directory, 'copy-'))
  const manifestPath = join(folder, backup.manifestPath.split('/').pop()!)
  const archivePath = join(folder, backup.manifest.archive.file)
  await writeFile(manifestPath, await readFile(backup.manifestPath))
  await writeFile(archivePath, await readFile(backup.archivePath))
  return { manifestPath, archivePath }
}

describe('damaged archives', () => {
  it('refuses a corrupted archive by its SHA-256 before writing anything', async () => {
    const copy = await copyOfBackup()
    const bytes = await readFile(copy.archivePath)
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff
    await writeFile(copy.archivePath, bytes)
    const target = `${test.name}_c`
    const error = await restoreBackup(test.database, { manifest: copy.manifestPath, target }).catch(
      (caught) => caught,
    )
    expect(ArchiveCorruptError.is(error)).toBe(true)
    expect((error as ArchiveCorruptError).reason).toMatch(/^SHA-256 mismatch/)
    expect(await databaseExists(serverUrl, target)).toBe(false)
    // Only this restore's temporary database counts: other files' restores run on the same server meanwhile.
    expect((await temporaryDatabases()).filter((name) => name.endsWith(target))).toEqual([])
    expect((await listBackups(join(copy.archivePath, '..'), { checksums: true }))[0]?.status).toBe('damaged')
  })

  it('refuses a truncated archive by its size', async () => {
    const copy = await copyOfBackup()
    await truncate(copy.archivePath, Math.floor(backup.manifest.archive.bytes * 0.6))
    const error = await restoreBackup(test.database, {
      manifest: copy.manifestPath,
      target: `${test.name}_t`,
    }).catch((caught) => caught)
    expect(ArchiveCorruptError.is(error)).toBe(true)
    expect((error as ArchiveCorruptError).reason).toContain('truncated')
    expect((await listBackups(join(copy.archivePath, '..')))[0]?.status).toBe('damaged')
  })

  it('catches a truncated archive even when its manifest was forged to match, and leaves nothing behind', async () => {
    const copy = await copyOfBackup()
    await truncate(copy.archivePath, Math.floor(backup.manifest.archive.bytes * 0.6))
    const { createHash } = await import('node:crypto')
    const truncated = await readFile(copy.archivePath)
    const manifest = JSON.parse(await readFile(copy.manifestPath, 'utf8'))
    manifest.archive.bytes = truncated.length
    manifest.archive.sha256 = createHash('sha256').update(truncated).digest('hex')
    await writeFile(copy.manifestPath, JSON.stringify(manifest))
    const target = `${test.name}_f`
    const error = await restoreBackup(test.database, { manifest: copy.manifestPath, target }).catch(
      (caught) => caught,
    )
    expect(ArchiveCorruptError.is(error)).toBe(true)
    expect(await databaseExists(serverUrl, target)).toBe(false)
    expect((await temporaryDatabases()).filter((name) => name.endsWith(target))).toEqual([])
  })

  it('refuses a manifest that is not ours', async () => {
    const folder = await mkdtemp(join(directory, 'foreign-'))
    const path = join(folder, 'shop-20250101T000000000Z.ktb.json')
    await writeFile(path, JSON.stringify({ format: 'something-else' }))
    const error = await restoreBackup(test.database, { manifest: path, target: `${test.name}_x` }).catch(
      (caught) => caught,
    )
    expect(ArchiveCorruptError.is(error)).toBe(true)
    expect(await listBackups(folder)).toEqual([])
  })
})

describe('restore atomicity', () => {
  it('refuses an existing target unless replace is set, writing nothing', async () => {
    const error = await restoreBackup(test.database, {
      manifest: backup.manifestPath,
      target: test.name,
    }).catch((caught) => caught)
    expect(RestoreTargetExistsError.is(error)).toBe(true)
  })

  const child = fileURLToPath(new URL('../../fixtures/backup/restore-process.ts', import.meta.url))

  async function killHalfWay(target: string, replace: boolean) {
    let killedAt = 0
    const result = await runScript(
      child,
      { SERVER_URL: serverUrl, MANIFEST: backup.manifestPath, TARGET: target, REPLACE: replace ? '1' : '0' },
      {
        timeoutMs: 60_000,
        onStdout: (text, process) => {
          const rows = Number(/rows (\d+)\n$/.exec(text)?.[1] ?? 0)
          if (killedAt === 0 && rows >= ROWS / 4) {
            killedAt = rows
            process.kill('SIGKILL')
          }
        },
      },
    )
    expect(result.signal).toBe('SIGKILL')
    expect(result.stdout).not.toContain('done')
    expect(killedAt).toBeGreaterThan(0)
    expect(killedAt).toBeLessThan(ROWS)
  }

  it('leaves a new target absent when the restoring process is killed half-way; the next restore sweeps up', async () => {
    const target = `${test.name}_k`
    cleanup.push(target)
    await killHalfWay(target, false)
    expect(await databaseExists(serverUrl, target)).toBe(false)
    const left = (await temporaryDatabases()).filter((name) => name.endsWith(target))
    expect(left.length).toBe(1)
    // The killed restore's connection is gone, so its lock is free once the server has noticed (MySQL can take a
    // moment to end the session of a client that vanished): the next restore then drops the leftover.
    await waitForFreeLock(left[0]!)
    const other = `${test.name}_k2`
    cleanup.push(other)
    await restoreBackup(test.database, { manifest: backup.manifestPath, target: other })
    expect(await temporaryDatabases()).not.toContain(left[0])
  })

  it('leaves a replaced target exactly as it was when the restoring process is killed half-way', async () => {
    const target = `${test.name}_keep`
    cleanup.push(target)
    await runStatements(serverUrl, test.name, [
      `CREATE DATABASE \`${target}\``,
      `CREATE TABLE \`${target}\`.precious (id INT PRIMARY KEY, note VARCHAR(20)) ENGINE=InnoDB`,
      `INSERT INTO \`${target}\`.precious VALUES (1, 'keep me'), (2, 'me too')`,
      `CREATE VIEW \`${target}\`.precious_view AS SELECT note FROM \`${target}\`.precious`,
    ])
    const before = await snapshotDatabase(serverUrl, target)
    await killHalfWay(target, true)
    expect(await snapshotDatabase(serverUrl, target)).toEqual(before)
    // And a replace that completes swaps the content.
    await restoreBackup(test.database, { manifest: backup.manifestPath, target, replace: true })
    const after = await snapshotDatabase(serverUrl, target)
    expect(Object.keys(after.tables)).toEqual(['big'])
    expect(after.views).toEqual({})
    expect(after.tables.big?.checksum).toBe(
      (await snapshotDatabase(serverUrl, test.name)).tables.big?.checksum,
    )
  })
})

describe('a binary log that makes triggers need SUPER', () => {
  it('refuses before loading any row, naming the trigger, for a user without SUPER; restores where it may', async () => {
    await using source = await createTestDatabase({ serverUrl, prefix: 'bktrig' })
    await runStatements(serverUrl, source.name, [
      'CREATE TABLE audit (id INT PRIMARY KEY, note VARCHAR(20) NOT NULL) ENGINE=InnoDB',
      "INSERT INTO audit VALUES (1, 'a'), (2, 'b')",
      "CREATE TRIGGER audit_note BEFORE INSERT ON audit FOR EACH ROW SET NEW.note = CONCAT(NEW.note, '!')",
    ])
    const taken = await createBackup(source.database, { directory })
    const user = `kttrg_${randomBytes(3).toString('hex')}`
    const password = randomBytes(12).toString('hex')
    const { account } = await createLoginUser(serverUrl, user, password)
    const target = `${source.name}_r`
    cleanup.push(target)
    const url = new URL(serverUrl)
    url.username = user
    url.password = password
    const restoring = createDatabase({ url: url.toString() })
    try {
      await runStatements(serverUrl, source.name, [
        `GRANT ALL PRIVILEGES ON \`${target}\`.* TO ${account}`,
        `GRANT ALL PRIVILEGES ON \`ktr\\_%\`.* TO ${account}`,
      ])
      const [settings] = await queryRows<{ logBin: number; trusted: number }>(
        'SELECT @@log_bin AS logBin, @@log_bin_trust_function_creators AS trusted',
      )
      const needsSuper = Number(settings?.logBin) === 1 && Number(settings?.trusted) === 0
      let rows = 0
      const outcome = await restoreBackup(restoring, {
        manifest: taken.manifestPath,
        target,
        onProgress: (progress) => {
          rows = progress.rows
        },
      }).catch((error: unknown) => error)
      if (needsSuper) {
        expect(RestoreFailedError.is(outcome)).toBe(true)
        expect((outcome as Error).message).toContain('trigger audit_note')
        expect((outcome as Error).message).toContain('log_bin_trust_function_creators = 1')
        expect(rows).toBe(0)
        expect(await databaseExists(serverUrl, target)).toBe(false)
        expect((await temporaryDatabases()).filter((name) => name.endsWith(target))).toEqual([])
      } else {
        expect(outcome).toMatchObject({ target, rows: 2 })
      }
    } finally {
      await restoring.close()
      await runStatements(serverUrl, source.name, [`DROP USER IF EXISTS ${account}`])
    }
  })
})

describe('a full disk', () => {
  const mountPoint = join(tmpdir(), `kt-tiny-${randomBytes(3).toString('hex')}`)
  let mounted = false
  beforeAll(async () => {
    await mkdir(mountPoint, { recursive: true })
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint], { stdio: 'ignore' })
      mounted = true
    } catch {
      mounted = false
    }
  })
  afterAll(async () => {
    if (mounted) execFileSync('umount', [mountPoint], { stdio: 'ignore' })
    await rm(mountPoint, { recursive: true, force: true })
  })

  it('fails with BackupFailedError (ENOSPC) and leaves no file behind', async (context) => {
    if (!mounted) context.skip('mounting a 64 KiB tmpfs needs root (CAP_SYS_ADMIN)')
    const error = await createBackup(test.database, { directory: mountPoint }).catch((caught) => caught)
    expect(BackupFailedError.is(error)).toBe(true)
    expect((error as BackupFailedError).stage).toBe('write')
    expect((error as BackupFailedError).message).toContain('ENOSPC')
    expect((error as { cause?: { code?: string } }).cause?.code).toBe('ENOSPC')
    expect(await readdir(mountPoint)).toEqual([])
    expect(await listBackups(mountPoint)).toEqual([])
  })
})

describe('secrets and file modes', () => {
  it("passes the password to the server's dump program in a 0600 defaults file, never in argv or the environment", async () => {
    const user = `ktpw_${randomBytes(3).toString('hex')}`
    const password = `pw-${randomBytes(12).toString('hex')}"\\'`
    const { account } = await createLoginUser(serverUrl, user, password)
    await runStatements(serverUrl, test.name, [`GRANT ALL PRIVILEGES ON \`${test.name}\`.* TO ${account}`])
    const tools = serverTools()
    const spy = await mkdtemp(join(directory, 'spy-'))
    const wrapper = join(spy, 'dump-spy.sh')
    // Records what the child sees (argv, environment, the defaults file's mode), then runs the real tool.
    await writeFile(
      wrapper,
      `#!/bin/sh
printf '%s\\n' "$@" > "${spy}/argv"
env > "${spy}/env"
file=$(printf '%s\\n' "$@" | sed -n 's/^--defaults-extra-file=//p')
stat -c %a "$file" > "${spy}/mode"
cp "$file" "${spy}/defaults"
exec '${tools.dump}' "$@"
`,
    )
    await chmod(wrapper, 0o755)
    const url = new URL(serverUrl)
    url.username = user
    url.password = password
    url.pathname = `/${test.name}`
    const database = createDatabase({ url: url.toString() })
    const logs: string[] = []
    try {
      const result = await createBackup(database, {
        directory: spy,
        engine: 'dump',
        dumpCommand: wrapper,
        onProgress: (progress) => logs.push(JSON.stringify(progress)),
        onWarning: (message) => logs.push(message),
      })
      expect((await stat(result.archivePath)).mode & 0o777).toBe(0o600)
      expect(result.manifest.engine).toBe(onMysql ? 'mysqldump' : 'mariadb-dump')
      logs.push(JSON.stringify(result))
    } finally {
      await database.close()
      await runStatements(serverUrl, test.name, [`DROP USER IF EXISTS ${account}`])
    }
    const argv = await readFile(join(spy, 'argv'), 'utf8')
    const env = await readFile(join(spy, 'env'), 'utf8')
    expect(argv).not.toContain(password)
    expect(env).not.toContain(password)
    expect(env).not.toMatch(/MYSQL_PWD|DATABASE_URL|DB_PASSWORD/)
    expect((await readFile(join(spy, 'mode'), 'utf8')).trim()).toBe('600')
    expect(await readFile(join(spy, 'defaults'), 'utf8')).toContain('password=')
    const defaultsPath = /--defaults-extra-file=(.*)/.exec(argv)?.[1]
    await expect(stat(defaultsPath!)).rejects.toThrow(/ENOENT/)
    expect(logs.join('\n')).not.toContain(password)
  })
})
