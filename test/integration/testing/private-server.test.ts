import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createConnection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InvalidOptionsError } from '../../../src/error/invalid-options-error.js'
import {
  PrivateServer,
  SERVER_FLAVORS,
  ServerStartFailedError,
  startPrivateServer,
} from '../../../src/testing/index.js'
import { isProcessAlive } from '../../../src/testing/process-cleanup.js'
import { findServerBinary } from '../../../src/testing/server-binary.js'

async function queryOne(url: string, sql: string): Promise<unknown> {
  const connection = await createConnection(url)
  try {
    const [rows] = await connection.query(sql)
    return (rows as unknown[])[0]
  } finally {
    await connection.end()
  }
}

describe(PrivateServer.name, () => {
  let server: PrivateServer

  beforeAll(async () => {
    server = await startPrivateServer()
  })

  afterAll(async () => {
    await server?.destroy()
  })

  it('answers as root on its URL, with utf8mb4 databases', async () => {
    expect(server.url).toBe(`mysql://root@127.0.0.1:${server.port}/`)
    expect(SERVER_FLAVORS).toContain(server.flavor)
    expect(server.version).toMatch(/^\d+\.\d+\.\d+$/)
    expect(server.isRunning).toBe(true)

    const connection = await createConnection(server.url)
    try {
      await connection.query('CREATE DATABASE shop CHARACTER SET utf8mb4')
      await connection.query('CREATE TABLE shop.users (id INT PRIMARY KEY, name VARCHAR(50)) ENGINE=InnoDB')
      await connection.query("INSERT INTO shop.users VALUES (1, 'Zoë 🚀')")
      const [rows] = await connection.query('SELECT name FROM shop.users')
      expect(rows).toEqual([{ name: 'Zoë 🚀' }])
    } finally {
      await connection.end()
    }
  })

  it('refuses queries after stop() and accepts new connections after start()', async () => {
    const connection = await createConnection(server.url)
    await server.stop()
    expect(server.isRunning).toBe(false)
    expect(server.pid).toBeUndefined()
    await expect(connection.query('SELECT 1')).rejects.toThrow()
    connection.destroy()
    await expect(createConnection(server.url)).rejects.toMatchObject({ code: 'ECONNREFUSED' })

    await server.start()
    expect(await queryOne(server.url, 'SELECT 1 AS one')).toEqual({ one: 1 })
  })

  it('keeps the data across restart()', async () => {
    const pidBefore = server.pid
    await server.restart()
    expect(server.pid).not.toBe(pidBefore)
    expect(await queryOne(server.url, 'SELECT name FROM shop.users WHERE id = 1')).toEqual({ name: 'Zoë 🚀' })
  })

  it('lets SELECT ... INTO OUTFILE write into a files directory of its own (MySQL: secure_file_priv)', async () => {
    const files = join(dirname(server.dataDir), 'files')
    const row = (await queryOne(server.url, 'SELECT @@secure_file_priv AS priv')) as { priv: string | null }
    // MariaDB restricts nothing by default; MySQL's compiled-in directory need not exist here.
    if (server.flavor === 'mysql') expect(row.priv).toBe(`${files}/`)
    await queryOne(server.url, `SELECT 'ok' INTO OUTFILE '${join(files, 'probe.txt')}'`)
    expect(readFileSync(join(files, 'probe.txt'), 'utf8')).toBe('ok\n')
  })

  it('leaves no process and no data directory after destroy()', async () => {
    const other = await startPrivateServer()
    const pid = other.pid
    expect(pid).toBeTypeOf('number')
    expect(existsSync(other.dataDir)).toBe(true)
    expect(other.port).not.toBe(server.port)

    await other.destroy()
    expect(isProcessAlive(pid!)).toBe(false)
    expect(existsSync(other.dataDir)).toBe(false)
    await other.destroy() // twice is fine
    await expect(other.start()).rejects.toThrow(ServerStartFailedError)
  })
})

describe(startPrivateServer.name, () => {
  it('starts the binary KYSELY_TOOLKIT_SERVER_BINARY names, else the first one installed', async () => {
    expect(
      await findServerBinary({ KYSELY_TOOLKIT_SERVER_BINARY: '/opt/mysql-9.7/bin/mysqld', PATH: '' }),
    ).toBe('/opt/mysql-9.7/bin/mysqld')
    const installed = await findServerBinary({ PATH: process.env.PATH })
    expect(await findServerBinary({ KYSELY_TOOLKIT_SERVER_BINARY: '', PATH: process.env.PATH })).toBe(
      installed,
    )

    // The run's own choice (scripts/run-tests.mjs sets it to the run's server kind): what startPrivateServer used.
    await using server = await startPrivateServer()
    expect(server.binary).toBe(process.env.KYSELY_TOOLKIT_SERVER_BINARY || installed)
  })

  it('fails with ServerStartFailedError for a binary that does not exist', async () => {
    const error = await startPrivateServer({ binary: '/nonexistent/mariadbd' }).catch(
      (caught: unknown) => caught,
    )
    expect(ServerStartFailedError.is(error)).toBe(true)
    expect((error as ServerStartFailedError).message).toBe(
      'Could not start a private test server from /nonexistent/mariadbd: the file does not exist or is not executable',
    )
  })

  it('fails with ServerStartFailedError quoting the server log when the server exits during startup', async () => {
    const error = await startPrivateServer({ args: ['--no-such-option=1'] }).catch(
      (caught: unknown) => caught,
    )
    expect(ServerStartFailedError.is(error)).toBe(true)
    const failure = error as ServerStartFailedError
    expect(failure.message).toMatch(/it exited during startup \(exit code \d+\)/)
    expect(failure.logTail).toMatch(/no-such-option/)
    expect(failure.message).toContain(failure.logTail)
  })

  it('rejects invalid options, naming each field', async () => {
    const error = await startPrivateServer({ port: 70_000, serverId: 0 }).catch((caught: unknown) => caught)
    expect(InvalidOptionsError.is(error)).toBe(true)
    expect((error as InvalidOptionsError).problems.map((problem) => problem.message)).toEqual([
      'serverId must be an integer from 1 to 4294967295 (got 0)',
      'port must be an integer from 1 to 65535 (got 70000)',
    ])
  })
})
