import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { request } from 'node:http'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { createConnection } from 'mysql2/promise'
import { InvalidOptionsError } from '../error/invalid-options-error.js'
import { NoTestServerError } from '../error/no-test-server-error.js'
import { type PrivateServer, type PrivateServerOptions, startPrivateServer } from './private-server.js'
import { findServerBinary } from './server-binary.js'

/**
 * Where a test server came from.
 *
 * @example
 * ```ts
 * import { TEST_SERVER_KINDS, findTestServer } from 'kysely-toolkit/testing'
 *
 * const server = await findTestServer()
 * console.log(TEST_SERVER_KINDS.includes(server.kind)) // true
 * ```
 */
export const TEST_SERVER_KINDS = ['url', 'container', 'local', 'private'] as const

/**
 * A value of {@link TEST_SERVER_KINDS}: `url` (given by `TEST_DATABASE_URL`), `container` (a MySQL container
 * started through testcontainers), `local` (a server already listening on 127.0.0.1:3306) or `private` (a
 * throw-away server started from the installed binary).
 *
 * @example
 * ```ts
 * import type { TestServerKind } from 'kysely-toolkit/testing'
 *
 * const canRestart = (kind: TestServerKind) => kind === 'private'
 * ```
 */
export type TestServerKind = (typeof TEST_SERVER_KINDS)[number]

/**
 * A MySQL-compatible server to run tests against, found by {@link findTestServer}. `url` names a user that
 * may create and drop databases. `stop()` stops what the toolkit started (a container, a private server) and
 * leaves servers it merely found alone.
 *
 * @example
 * ```ts
 * import { findTestServer } from 'kysely-toolkit/testing'
 *
 * await using server = await findTestServer()
 * if (server.kind === 'private') await server.privateServer?.restart()
 * ```
 */
export interface TestServer extends AsyncDisposable {
  /** A `mysql://` URL with a user that may create databases, and no database. May hold a password: don't log it. */
  readonly url: string
  readonly kind: TestServerKind
  /** A human description without secrets, e.g. `private MariaDB 10.11.19 server on 127.0.0.1:41234`. */
  readonly description: string
  /** The private server when `kind` is `private` (so that tests can stop or restart it), else `undefined`. */
  readonly privateServer: PrivateServer | undefined
  /** Stops and removes what the toolkit started; does nothing for `url` and `local`. Safe to call twice. */
  stop(): Promise<void>
}

/**
 * A source's answer when it has no server to give, with the reason (shown in {@link NoTestServerError}).
 *
 * @example
 * ```ts
 * import type { TestServerUnavailable } from 'kysely-toolkit/testing'
 *
 * const notConfigured: TestServerUnavailable = { unavailable: 'STAGING_URL is not set' }
 * ```
 */
export interface TestServerUnavailable {
  readonly unavailable: string
}

/**
 * One way of getting a test server, tried in order by {@link findTestServer}. `find()` resolves to a server, or
 * to `{ unavailable: reason }` when this source has none (nothing configured or installed); it rejects when the
 * source is present but broken (a container that fails to start, a private server that exits), so that the
 * failure is seen rather than skipped.
 *
 * @example
 * ```ts
 * import { type TestServerSource, findTestServer } from 'kysely-toolkit/testing'
 *
 * const staging: TestServerSource = {
 *   name: 'STAGING_URL',
 *   async find() {
 *     const url = process.env.STAGING_URL
 *     if (url === undefined) return { unavailable: 'not set' }
 *     return {
 *       url, kind: 'url', description: 'staging', privateServer: undefined,
 *       async stop() {}, async [Symbol.asyncDispose]() {},
 *     }
 *   },
 * }
 * const server = await findTestServer({ sources: [staging] })
 * ```
 */
export interface TestServerSource {
  /** Named in {@link NoTestServerError}, e.g. `TEST_DATABASE_URL`. */
  readonly name: string
  find(): Promise<TestServer | TestServerUnavailable>
}

interface TestServerParts {
  readonly url: string
  readonly kind: TestServerKind
  readonly description: string
  readonly privateServer?: PrivateServer
  readonly stop?: () => Promise<void>
}

function createTestServer(parts: TestServerParts): TestServer {
  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping ??= parts.stop?.() ?? Promise.resolve()
    return stopping
  }
  return Object.freeze({
    url: parts.url,
    kind: parts.kind,
    description: parts.description,
    privateServer: parts.privateServer,
    stop,
    [Symbol.asyncDispose]: stop,
  })
}

/** `user@host:port`, never the password. */
function describeUrl(url: URL): string {
  return `${url.username === '' ? '' : `${decodeURIComponent(url.username)}@`}${url.hostname}:${url.port || '3306'}`
}

/**
 * Options of {@link createUrlSource}.
 *
 * @example
 * ```ts
 * import { createUrlSource } from 'kysely-toolkit/testing'
 *
 * const source = createUrlSource({ variable: 'CI_MYSQL_URL', env: { CI_MYSQL_URL: 'mysql://root@db:3306/' } })
 * ```
 */
export interface UrlSourceOptions {
  /** The environment variable holding the URL. Defaults to `TEST_DATABASE_URL`. */
  readonly variable?: string
  /** The environment to read. Defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv
}

/**
 * A source that uses the URL in `TEST_DATABASE_URL` (`mysql://user:password@host:port/`, a user that may create
 * databases) as it is, without checking it. Unavailable when the variable is unset or empty.
 *
 * @throws {@link InvalidOptionsError} from `find()` when the variable is set but is not a `mysql:` or
 *   `mariadb:` URL.
 *
 * @example
 * ```ts
 * import { createUrlSource, findTestServer } from 'kysely-toolkit/testing'
 *
 * const server = await findTestServer({ sources: [createUrlSource({ variable: 'CI_MYSQL_URL' })] })
 * ```
 */
export function createUrlSource(options: UrlSourceOptions = {}): TestServerSource {
  const variable = options.variable ?? 'TEST_DATABASE_URL'
  return Object.freeze({
    name: variable,
    async find(): Promise<TestServer | TestServerUnavailable> {
      const value = (options.env ?? process.env)[variable]
      if (value === undefined || value.trim() === '') return { unavailable: 'not set' }
      const url = URL.canParse(value) ? new URL(value) : undefined
      if (url === undefined || (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:')) {
        const got = url === undefined ? 'a value that does not parse as a URL' : `a ${url.protocol} URL`
        throw new InvalidOptionsError('test server', [
          {
            path: variable,
            message: `${variable} must be a URL like mysql://user:password@127.0.0.1:3306/ (got ${got})`,
          },
        ])
      }
      return createTestServer({ url: value, kind: 'url', description: `${variable} (${describeUrl(url)})` })
    },
  })
}

/**
 * Options of {@link createContainerSource}.
 *
 * @example
 * ```ts
 * import { createContainerSource } from 'kysely-toolkit/testing'
 *
 * const source = createContainerSource({ image: 'mysql:8.0', pingTimeoutMs: 1_000 })
 * ```
 */
export interface ContainerSourceOptions {
  /** The image. Defaults to `mysql:8.4`. */
  readonly image?: string
  /** How long to wait for the Docker engine to answer `/_ping`. Defaults to `500` ms. */
  readonly pingTimeoutMs?: number
  /** The environment to read `DOCKER_HOST` and `XDG_RUNTIME_DIR` from. Defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv
}

/** The slice of `@testcontainers/mysql` used here (an optional peer dependency, imported only on this path). */
interface MySqlContainerModule {
  readonly MySqlContainer: new (
    image: string,
  ) => {
    withRootPassword(password: string): { start(): Promise<StartedMySqlContainer> }
  }
}

interface StartedMySqlContainer {
  getHost(): string
  getPort(): number
  stop(): Promise<unknown>
}

type DockerEndpoint = { readonly socketPath: string } | { readonly host: string; readonly port: number }

function dockerEndpoints(env: NodeJS.ProcessEnv): DockerEndpoint[] {
  const dockerHost = env.DOCKER_HOST
  if (dockerHost !== undefined && dockerHost !== '') {
    if (dockerHost.startsWith('unix://')) return [{ socketPath: dockerHost.slice('unix://'.length) }]
    if (URL.canParse(dockerHost)) {
      const url = new URL(dockerHost)
      if (url.protocol === 'tcp:' || url.protocol === 'http:' || url.protocol === 'https:') {
        return [{ host: url.hostname, port: Number(url.port || 2375) }]
      }
    }
    return []
  }
  const sockets = [
    '/var/run/docker.sock',
    ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, 'docker.sock')] : []),
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.colima', 'default', 'docker.sock'),
  ]
  return sockets.filter((socketPath) => existsSync(socketPath)).map((socketPath) => ({ socketPath }))
}

/** Whether a Docker engine answers `GET /_ping` (any HTTP answer counts: a TLS port answers 400). */
function pingDocker(endpoint: DockerEndpoint, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ ...endpoint, path: '/_ping', method: 'GET', timeout: timeoutMs }, (response) => {
      response.resume()
      resolve(true)
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false))
    req.end()
  })
}

/**
 * A source that starts a MySQL container (`mysql:8.4`) with testcontainers when a Docker engine answers within
 * `pingTimeoutMs`. It needs the optional peer dependencies `testcontainers` and `@testcontainers/mysql`, imported
 * only here. The URL is root with a random password.
 *
 * @example
 * ```ts
 * import { createContainerSource, findTestServer } from 'kysely-toolkit/testing'
 *
 * const server = await findTestServer({ sources: [createContainerSource({ image: 'mysql:8.0' })] })
 * ```
 */
export function createContainerSource(options: ContainerSourceOptions = {}): TestServerSource {
  const image = options.image ?? 'mysql:8.4'
  const pingTimeoutMs = options.pingTimeoutMs ?? 500
  return Object.freeze({
    name: 'Docker',
    async find(): Promise<TestServer | TestServerUnavailable> {
      const env = options.env ?? process.env
      const endpoints = dockerEndpoints(env)
      const answers = await Promise.all(endpoints.map((endpoint) => pingDocker(endpoint, pingTimeoutMs)))
      if (!answers.includes(true)) {
        return {
          unavailable:
            env.DOCKER_HOST !== undefined && env.DOCKER_HOST !== ''
              ? `no Docker engine answers at DOCKER_HOST=${env.DOCKER_HOST}`
              : 'no Docker engine answers (DOCKER_HOST is unset and no docker.sock answers)',
        }
      }
      let module: MySqlContainerModule
      try {
        module = (await import('@testcontainers/mysql')) as unknown as MySqlContainerModule
      } catch {
        return {
          unavailable:
            'a Docker engine answers but @testcontainers/mysql is not installed (npm i -D testcontainers @testcontainers/mysql)',
        }
      }
      const password = randomBytes(18).toString('base64url')
      const container = await new module.MySqlContainer(image).withRootPassword(password).start()
      const host = container.getHost()
      const port = container.getPort()
      return createTestServer({
        url: `mysql://root:${password}@${host}:${port}/`,
        kind: 'container',
        description: `${image} container on ${host}:${port}`,
        stop: async () => {
          await container.stop()
        },
      })
    },
  })
}

/**
 * Options of {@link createLocalServerSource}.
 *
 * @example
 * ```ts
 * import { createLocalServerSource } from 'kysely-toolkit/testing'
 *
 * const source = createLocalServerSource({ url: 'mysql://root@127.0.0.1:3307/', timeoutMs: 500 })
 * ```
 */
export interface LocalServerSourceOptions {
  /** The server to try. Defaults to `mysql://root@127.0.0.1:3306/` (root, empty password). */
  readonly url?: string
  /** How long it may take to accept the login and answer `SELECT VERSION()`. Defaults to `1_000` ms. */
  readonly timeoutMs?: number
}

/**
 * A source that uses a server already running on 127.0.0.1:3306 when root with an empty password can log in
 * within `timeoutMs`. The toolkit neither starts nor stops it.
 *
 * @example
 * ```ts
 * import { createLocalServerSource, findTestServer } from 'kysely-toolkit/testing'
 *
 * const server = await findTestServer({
 *   sources: [createLocalServerSource({ url: 'mysql://root:secret@127.0.0.1:3307/' })],
 * })
 * ```
 */
export function createLocalServerSource(options: LocalServerSourceOptions = {}): TestServerSource {
  const url = options.url ?? 'mysql://root@127.0.0.1:3306/'
  const timeoutMs = options.timeoutMs ?? 1_000
  const where = describeUrl(new URL(url))
  return Object.freeze({
    name: where,
    async find(): Promise<TestServer | TestServerUnavailable> {
      const version = await probeServer(url, timeoutMs)
      if (typeof version !== 'string') return version
      return createTestServer({ url, kind: 'local', description: `local server ${version} at ${where}` })
    },
  })
}

/** The server's version, or why it could not be reached in time. */
async function probeServer(url: string, timeoutMs: number): Promise<string | TestServerUnavailable> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<TestServerUnavailable>((resolve) => {
    timer = setTimeout(() => resolve({ unavailable: `no answer within ${timeoutMs} ms` }), timeoutMs)
  })
  const attempt = (async (): Promise<string | TestServerUnavailable> => {
    const connection = await createConnection({ uri: url, connectTimeout: timeoutMs })
    try {
      const [rows] = await connection.query('SELECT VERSION() AS version')
      const version = (rows as Array<{ version?: unknown }>)[0]?.version
      // The version proper: Debian's MariaDB 11 builds append ` from Debian` to VERSION().
      return String(version).split(/\s/)[0] ?? ''
    } finally {
      connection.destroy()
    }
  })().catch((error: unknown) => {
    const code = (error as { code?: unknown }).code
    if (code === 'ECONNREFUSED') return { unavailable: 'nothing listens there' }
    const message = error instanceof Error ? error.message : String(error)
    return { unavailable: `it did not accept the login (${message})` }
  })
  try {
    return await Promise.race([attempt, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * A source that starts a {@link PrivateServer} when a `mariadbd` or `mysqld` binary is installed (see
 * {@link startPrivateServer}); `stop()` destroys it. Unavailable when no binary is found.
 *
 * @example
 * ```ts
 * import { createPrivateServerSource, findTestServer } from 'kysely-toolkit/testing'
 *
 * await using server = await findTestServer({ sources: [createPrivateServerSource({ startupTimeoutMs: 60_000 })] })
 * await server.privateServer?.restart()
 * ```
 */
export function createPrivateServerSource(options: PrivateServerOptions = {}): TestServerSource {
  return Object.freeze({
    name: 'private server',
    async find(): Promise<TestServer | TestServerUnavailable> {
      if (options.binary === undefined && (await findServerBinary()) === undefined) {
        return { unavailable: 'no mariadbd or mysqld binary is installed (PATH, /usr/sbin, /usr/local/...)' }
      }
      const server = await startPrivateServer(options)
      const name = server.flavor === 'mariadb' ? 'MariaDB' : 'MySQL'
      return createTestServer({
        url: server.url,
        kind: 'private',
        description: `private ${name} ${server.version} server on ${server.host}:${server.port}`,
        privateServer: server,
        stop: () => server.destroy(),
      })
    },
  })
}

/**
 * Options of {@link findTestServer}.
 *
 * @example
 * ```ts
 * import { createLocalServerSource, createPrivateServerSource, findTestServer } from 'kysely-toolkit/testing'
 *
 * // never a container, and a private server rather than none
 * const server = await findTestServer({ sources: [createLocalServerSource(), createPrivateServerSource()] })
 * ```
 */
export interface FindTestServerOptions {
  /** The environment the default sources read. Defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv
  /**
   * The sources to try, in order. Defaults to `TEST_DATABASE_URL`, a `mysql:8.4` container when Docker answers,
   * 127.0.0.1:3306 as root, and a private server from the installed binary.
   */
  readonly sources?: readonly TestServerSource[]
}

/**
 * Finds a MySQL-compatible server for tests, trying in order: `TEST_DATABASE_URL` when set; a `mysql:8.4`
 * container when a Docker engine answers (checked in about half a second); a server on 127.0.0.1:3306 that
 * lets root in with an empty password (checked within a second); a private throw-away server started from an
 * installed `mariadbd` or `mysqld`. Call `stop()` on the result when done.
 *
 * @throws {@link NoTestServerError} when no source gives a server; its message says how to provide one.
 *
 * @example
 * ```ts
 * import { findTestServer } from 'kysely-toolkit/testing'
 *
 * const server = await findTestServer()
 * console.log(`testing against ${server.description}`) // never logs the URL: it may hold a password
 * try {
 *   // create a database on server.url, run the tests
 * } finally {
 *   await server.stop()
 * }
 * ```
 */
export async function findTestServer(options: FindTestServerOptions = {}): Promise<TestServer> {
  const env = options.env ?? process.env
  const sources = options.sources ?? [
    createUrlSource({ env }),
    createContainerSource({ env }),
    createLocalServerSource(),
    createPrivateServerSource(),
  ]
  const attempts: { source: string; reason: string }[] = []
  for (const source of sources) {
    const result = await source.find()
    if ('unavailable' in result) attempts.push({ source: source.name, reason: result.unavailable })
    else return result
  }
  throw new NoTestServerError(attempts)
}
