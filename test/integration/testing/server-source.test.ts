import { existsSync } from 'node:fs'
import { createConnection } from 'mysql2/promise'
import { describe, expect, it } from 'vitest'
import { InvalidOptionsError } from '../../../src/error/invalid-options-error.js'
import {
  createContainerSource,
  createLocalServerSource,
  createPrivateServerSource,
  createUrlSource,
  findTestServer,
  NoTestServerError,
  startPrivateServer,
} from '../../../src/testing/index.js'

const CLOSED_PORT_URL = 'mysql://root@127.0.0.1:1/'

describe(findTestServer.name, () => {
  it('uses TEST_DATABASE_URL when it is set', async () => {
    const env = { TEST_DATABASE_URL: 'mysql://app:secret@db.example:3307/' }
    const server = await findTestServer({ env })
    expect(server.kind).toBe('url')
    expect(server.url).toBe(env.TEST_DATABASE_URL)
    expect(server.description).toBe('TEST_DATABASE_URL (app@db.example:3307)')
    expect(server.description).not.toContain('secret')
    await server.stop()
  })

  it('rejects a TEST_DATABASE_URL that is not a mysql URL, without echoing it', async () => {
    const error = await findTestServer({ env: { TEST_DATABASE_URL: 'postgres://u:hunter2@h/' } }).catch(
      (caught: unknown) => caught,
    )
    expect(InvalidOptionsError.is(error)).toBe(true)
    expect((error as Error).message).toBe(
      'Invalid test server: TEST_DATABASE_URL must be a URL like mysql://user:password@127.0.0.1:3306/ (got a postgres: URL)',
    )
  })

  it('falls back to the local server on 127.0.0.1:3306 here (no Docker engine), else to a private one', async () => {
    // The machine's own server (restarted now and then by other jobs) decides which one is right.
    const localAnswers = !('unavailable' in (await createLocalServerSource().find()))
    const started = Date.now()
    await using server = await findTestServer({ env: { PATH: process.env.PATH } })
    expect(server.kind).toBe(localAnswers ? 'local' : 'private')
    if (server.kind === 'local') {
      expect(Date.now() - started).toBeLessThan(2_000)
      expect(server.url).toBe('mysql://root@127.0.0.1:3306/')
      expect(server.privateServer).toBeUndefined()
    }
    const connection = await createConnection(server.url)
    await connection.end()
  })

  it('takes the first source that has a server: a local server before a private one', async () => {
    await using running = await startPrivateServer()
    const server = await findTestServer({
      sources: [
        createUrlSource({ env: {} }),
        createContainerSource({ env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } }),
        createLocalServerSource({ url: running.url }),
        createPrivateServerSource(),
      ],
    })
    expect(server.kind).toBe('local')
    expect(server.url).toBe(running.url)
    expect(server.description).toMatch(
      new RegExp(`^local server \\d+\\.\\d+\\.\\d+\\S* at root@127\\.0\\.0\\.1:${running.port}$`),
    )
    await server.stop() // leaves the server alone
    expect(running.isRunning).toBe(true)
  })

  it('starts a private server when that is the source left, and stop() destroys it', async () => {
    const server = await findTestServer({
      sources: [
        createUrlSource({ env: {} }),
        createLocalServerSource({ url: CLOSED_PORT_URL }),
        createPrivateServerSource(),
      ],
    })
    expect(server.kind).toBe('private')
    expect(server.description).toMatch(/^private (MariaDB|MySQL) \d+\.\d+\.\d+ server on 127\.0\.0\.1:\d+$/)
    const dataDir = server.privateServer!.dataDir
    const connection = await createConnection(server.url)
    await connection.end()
    await server.stop()
    expect(existsSync(dataDir)).toBe(false)
  })

  it('throws NoTestServerError listing every source tried and how to provide a server', async () => {
    const error = await findTestServer({
      sources: [
        createUrlSource({ env: {} }),
        createContainerSource({ env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } }),
        createLocalServerSource({ url: CLOSED_PORT_URL }),
      ],
    }).catch((caught: unknown) => caught)
    expect(NoTestServerError.is(error)).toBe(true)
    const failure = error as NoTestServerError
    expect(failure.attempts).toEqual([
      { source: 'TEST_DATABASE_URL', reason: 'not set' },
      { source: 'Docker', reason: 'no Docker engine answers at DOCKER_HOST=unix:///nonexistent/docker.sock' },
      { source: 'root@127.0.0.1:1', reason: 'nothing listens there' },
    ])
    expect(failure.message).toMatch(
      /^No MySQL-compatible server for the tests\. Tried: TEST_DATABASE_URL \(not set\);/,
    )
    expect(failure.message).toContain('Provide one of: TEST_DATABASE_URL=')
    expect(failure.message).toContain('apt-get install mariadb-server')
  })
})
