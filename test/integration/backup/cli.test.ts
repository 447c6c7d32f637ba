import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { createConnection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { runCli } from '../../../src/cli/run-cli.js'
import { createTestDatabase, type TestDatabase } from '../../../src/testing/test-database.js'
import { createLoginUser, dropDatabases, numbersTable, runStatements } from './compare.js'

const serverUrl = inject('serverUrl')
let test: TestDatabase<unknown>
let directory: string
let env: Record<string, string>
let account = ''
const user = `ktcli_${randomBytes(3).toString('hex')}`
const password = `secret-${randomBytes(10).toString('hex')}`
const target = () => `${test.name}_cli`

beforeAll(async () => {
  test = await createTestDatabase({ serverUrl })
  await runStatements(serverUrl, test.name, [
    'CREATE TABLE notes (id INT PRIMARY KEY AUTO_INCREMENT, body TEXT NOT NULL) ENGINE=InnoDB',
    `INSERT INTO notes (body) SELECT CONCAT('note ', n) FROM ${numbersTable(500)} ORDER BY n`,
  ])
  ;({ account } = await createLoginUser(serverUrl, user, password))
  await runStatements(serverUrl, test.name, [
    `GRANT ALL PRIVILEGES ON \`${test.name}%\`.* TO ${account}`,
    `GRANT ALL PRIVILEGES ON \`ktr\\_%\`.* TO ${account}`,
    `GRANT ALL PRIVILEGES ON \`ktv\\_%\`.* TO ${account}`,
  ])
  directory = await mkdtemp(join(tmpdir(), 'kt-cli-'))
  const url = new URL(serverUrl)
  url.username = user
  url.password = password
  url.pathname = `/${test.name}`
  env = { DATABASE_URL: url.toString() }
})

afterAll(async () => {
  await dropDatabases(serverUrl, [target()])
  if (account) await runStatements(serverUrl, test.name, [`DROP USER IF EXISTS ${account}`])
  await test?.destroy()
  if (directory) await rm(directory, { recursive: true, force: true })
})

const outputs: string[] = []

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cliWith({ terminal: false }, ...argv)
}

/** Runs the CLI in process; with `terminal`, stderr claims to be a TTY (as an interactive shell's is). */
async function cliWith(
  options: { terminal: boolean },
  ...argv: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough()
  const stderr = Object.assign(new PassThrough(), { isTTY: options.terminal })
  let out = ''
  let err = ''
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString()
  })
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString()
  })
  const code = await runCli(argv, { stdout, stderr, env, cwd: directory })
  outputs.push(out, err)
  return { code, stdout: out, stderr: err }
}

describe('kysely-toolkit backup', () => {
  it('creates, lists, restores, verifies and prunes, printing JSON for scripts', async () => {
    const created = []
    for (let index = 0; index < 3; index++) {
      const result = await cli('backup', 'create', '--dir', directory, '--json')
      expect(result).toMatchObject({ code: 0, stderr: '' })
      created.push(JSON.parse(result.stdout))
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect(created[0].manifest).toMatchObject({ database: test.name, rows: 500, engine: 'builtin' })

    const listed = await cli('backup', 'list', '--dir', directory, '--json', '--checksums')
    expect(JSON.parse(listed.stdout).map((entry: { status: string }) => entry.status)).toEqual([
      'ok',
      'ok',
      'ok',
    ])

    const restored = await cli('backup', 'restore', created[2].manifestPath, '--target', target(), '--json')
    expect(restored.code).toBe(0)
    expect(JSON.parse(restored.stdout)).toMatchObject({
      target: target(),
      rows: 500,
      tables: 1,
      replaced: false,
    })

    const again = await cli('backup', 'restore', created[2].manifestPath, '--target', target())
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('already exists')

    const verified = await cli('backup', 'verify', created[2].manifestPath)
    expect(verified.code).toBe(0)
    expect(verified.stdout).toContain(`verified against ${test.name}`)

    const pruned = await cli('backup', 'prune', '--dir', directory, '--keep-last', '1', '--json')
    expect(JSON.parse(pruned.stdout)).toMatchObject({
      kept: [created[2].manifestPath],
      deleted: [created[1].manifestPath, created[0].manifestPath],
    })
    expect((await readdir(directory)).sort()).toEqual(
      [created[2].manifest.archive.file, created[2].manifestPath.split('/').pop()].sort(),
    )
  })

  it('draws progress on a terminal: tables, rows, bytes, rate', async () => {
    const result = await cliWith({ terminal: true }, 'backup', 'create', '--dir', directory)
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/finishing +1\/1 tables +500\/\d+ rows +[\d.]+ MB +[\d,]+ rows\/s/)
    expect(result.stdout).toMatch(new RegExp(`^backed up ${test.name}: 1 tables, 500 rows`))
  })

  it('lists a damaged backup with --checksums and exit code 1', async () => {
    const own = await mkdtemp(join(tmpdir(), 'kt-cli-list-'))
    try {
      const created = JSON.parse((await cli('backup', 'create', '--dir', own, '--json')).stdout)
      const archive = join(own, created.manifest.archive.file)
      const bytes = await readFile(archive)
      const middle = Math.floor(bytes.length / 2)
      bytes[middle] = (bytes[middle] ?? 0) ^ 0xff
      await writeFile(archive, bytes)
      const listed = await cli('backup', 'list', '--dir', own, '--checksums')
      expect(listed.stdout).toContain('DAMAGED')
      expect(listed.stdout).toMatch(/1 backup\(s\) in .*, 1 damaged/)
      expect(listed.code).toBe(1)
      const json = await cli('backup', 'list', '--dir', own, '--checksums', '--json')
      expect(JSON.parse(json.stdout)[0]).toMatchObject({ status: 'damaged' })
      expect(json.code).toBe(1)
    } finally {
      await rm(own, { recursive: true, force: true })
    }
  })

  it('reports a verify mismatch with exit code 1', async () => {
    const created = JSON.parse((await cli('backup', 'create', '--dir', directory, '--json')).stdout)
    await runStatements(serverUrl, test.name, ["UPDATE notes SET body = 'changed' WHERE id = 7"])
    const verified = await cli('backup', 'verify', created.manifestPath, '--json')
    expect(verified.code).toBe(1)
    const report = JSON.parse(verified.stdout)
    expect(report.ok).toBe(false)
    expect(report.tables[0]).toMatchObject({
      name: 'notes',
      match: false,
      restoredRows: 500,
      sourceRows: 500,
    })
  })

  it('prints a view restored in another creation context than the source has as DIFFERS', async () => {
    const latin1 = await createConnection({ uri: serverUrl, database: test.name, charset: 'LATIN1_BIN' })
    try {
      await latin1.query("CREATE VIEW literals AS SELECT 'abc' = 'ABC' AS same")
    } finally {
      await latin1.end()
    }
    try {
      const created = JSON.parse((await cli('backup', 'create', '--dir', directory, '--json')).stdout)
      await runStatements(serverUrl, test.name, [
        "CREATE OR REPLACE VIEW literals AS SELECT 'abc' = 'ABC' AS same",
      ])
      const verified = await cli('backup', 'verify', created.manifestPath)
      expect(verified.code).toBe(1)
      expect(verified.stdout).toContain(
        `DIFFERS   view literals: character_set_client latin1 (utf8mb4 in ${test.name})`,
      )
    } finally {
      await runStatements(serverUrl, test.name, ['DROP VIEW IF EXISTS literals'])
    }
  })

  it('answers usage mistakes with exit code 2 and its usage', async () => {
    expect(await cli('backup')).toMatchObject({ code: 2 })
    const noTarget = await cli('backup', 'restore', 'x.ktb.json')
    expect(noTarget.code).toBe(2)
    expect(noTarget.stderr).toContain('--target <database> is required')
    expect((await cli('backup', 'prune', '--dir', directory)).stderr).toContain(
      'give --keep-last and/or --keep-days',
    )
    expect((await cli('backup', 'create', '--password', 'x')).code).toBe(2)
    const badEngine = await cli('backup', 'create', '--engine', 'pg_dump')
    expect(badEngine.code).toBe(2)
    expect(badEngine.stderr).toContain('--engine must be one of builtin, mariadb-dump, mysqldump, dump')
    const help = await cli('backup', '--help')
    expect(help.stdout).toContain('Usage: kysely-toolkit backup <create|restore|verify|list|prune>')
  })

  it('fails with a typed error for an unknown database, never showing the password', async () => {
    const failed = await cli('backup', 'create', '--dir', directory, '--database', `${test.name}_nope`)
    expect(failed.code).toBe(1)
    expect(failed.stderr).toContain(`Backup of database ${test.name}_nope failed`)
    for (const output of outputs) expect(output).not.toContain(password)
  })
})
