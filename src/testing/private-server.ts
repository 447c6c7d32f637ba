import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { cp, mkdir, mkdtemp, open, rm, stat } from 'node:fs/promises'
import { createServer } from 'node:net'
import { basename, join } from 'node:path'
import { type Connection, createConnection } from 'mysql2/promise'
import { InvalidOptionsError, type OptionsProblem } from '../error/invalid-options-error.js'
import { ServerStartFailedError } from '../error/server-start-failed-error.js'
import { KILL_ON_EXIT_FILE, privateServerRoot, trackProcess, untrackProcess } from './process-cleanup.js'
import {
  compareVersions,
  findInstallDb,
  findServerBinary,
  inspectServerBinary,
  type ServerBinary,
  type ServerFlavor,
} from './server-binary.js'

/**
 * Options of {@link startPrivateServer}. Every field is optional.
 *
 * @example
 * ```ts
 * import { startPrivateServer } from 'kysely-toolkit/testing'
 *
 * const server = await startPrivateServer({
 *   binary: '/usr/local/mysql/bin/mysqld',
 *   args: ['--sql-mode=STRICT_ALL_TABLES'],
 *   startupTimeoutMs: 60_000,
 * })
 * ```
 */
export interface PrivateServerOptions {
  /**
   * The server binary: a `mariadbd`, or an Oracle MySQL `mysqld` (8.0, 8.4, 9.x); which one it is is read from
   * `--version`. Defaults to the path in the `KYSELY_TOOLKIT_SERVER_BINARY` environment variable, else the first
   * `mariadbd`, else `mysqld`, found on `PATH` or in `/usr/sbin`, `/usr/local/sbin`, `/usr/local/bin`,
   * `/usr/local/mysql/bin`, `/opt/homebrew/bin`, `/opt/homebrew/sbin`, `/usr/libexec`.
   */
  readonly binary?: string
  /**
   * Extra server arguments, passed after the toolkit's own so that they override them, e.g.
   * `['--log-bin=binlog', '--binlog-format=ROW']`. Defaults to none.
   */
  readonly args?: readonly string[]
  /** The server's `--server-id`. Defaults to `1`. */
  readonly serverId?: number
  /** The TCP port on 127.0.0.1. Defaults to a free port (found by binding port 0), retried if it is taken. */
  readonly port?: number
  /** How long to wait for the server to accept a connection. Defaults to `30_000` ms. */
  readonly startupTimeoutMs?: number
  /** How long `stop()` waits for a clean shutdown before it kills the server. Defaults to `30_000` ms. */
  readonly shutdownTimeoutMs?: number
}

interface ResolvedPrivateServerOptions {
  readonly binary: string | undefined
  readonly args: readonly string[]
  readonly serverId: number
  readonly port: number | undefined
  readonly startupTimeoutMs: number
  readonly shutdownTimeoutMs: number
}

function resolveOptions(options: PrivateServerOptions): ResolvedPrivateServerOptions {
  const problems: OptionsProblem[] = []
  const check = (path: string, value: unknown, valid: boolean, expected: string): void => {
    if (!valid) problems.push({ path, message: `${path} must be ${expected} (got ${JSON.stringify(value)})` })
  }
  const {
    binary,
    args = [],
    serverId = 1,
    port,
    startupTimeoutMs = 30_000,
    shutdownTimeoutMs = 30_000,
  } = options
  check('binary', binary, binary === undefined || (typeof binary === 'string' && binary !== ''), 'a path')
  check(
    'args',
    args,
    Array.isArray(args) && args.every((arg) => typeof arg === 'string'),
    'an array of strings',
  )
  check(
    'serverId',
    serverId,
    Number.isInteger(serverId) && serverId >= 1 && serverId <= 4_294_967_295,
    'an integer from 1 to 4294967295',
  )
  check(
    'port',
    port,
    port === undefined || (Number.isInteger(port) && port >= 1 && port <= 65_535),
    'an integer from 1 to 65535',
  )
  check(
    'startupTimeoutMs',
    startupTimeoutMs,
    Number.isFinite(startupTimeoutMs) && startupTimeoutMs > 0,
    'positive',
  )
  check(
    'shutdownTimeoutMs',
    shutdownTimeoutMs,
    Number.isFinite(shutdownTimeoutMs) && shutdownTimeoutMs > 0,
    'positive',
  )
  if (problems.length > 0) throw new InvalidOptionsError('private server options', problems)
  return Object.freeze({
    binary,
    args: Object.freeze([...args]),
    serverId,
    port,
    startupTimeoutMs,
    shutdownTimeoutMs,
  })
}

/** What a server process did when it ended. */
interface ExitInfo {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly error?: Error
}

interface RunningProcess {
  readonly child: ChildProcess
  readonly exited: Promise<ExitInfo>
  readonly hasExited: () => boolean
}

interface LaunchSpec {
  readonly binary: ServerBinary
  readonly args: readonly string[]
  readonly directory: string
  readonly socketPath: string
  readonly timeoutMs: number
}

const LOG_TAIL_LINES = 25
/** Lines worth quoting from a server's or an initialiser's output. */
const PROBLEM_LINE = /error|fatal|abort|warning|denied|cannot|can't|unknown|failed/i

/** The last problem lines of `text`, or its last lines when none looks like a problem. */
function pickLogTail(text: string): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '')
  const problems = lines.filter((line) => PROBLEM_LINE.test(line))
  return (problems.length > 0 ? problems : lines).slice(-LOG_TAIL_LINES).join('\n')
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size
  } catch {
    return 0
  }
}

async function readFrom(path: string, offset: number): Promise<string> {
  try {
    const handle = await open(path, 'r')
    try {
      const { size } = await handle.stat()
      const buffer = Buffer.alloc(Math.max(0, size - offset))
      await handle.read(buffer, 0, buffer.length, offset)
      return buffer.toString('utf8')
    } finally {
      await handle.close()
    }
  } catch {
    return ''
  }
}

/** The last interesting lines of a server's error log and standard error written since the given offsets. */
async function readLogTail(directory: string, offsets: { error: number; stderr: number }): Promise<string> {
  const errorLog = await readFrom(join(directory, 'error.log'), offsets.error)
  const standardError = await readFrom(join(directory, 'stderr.log'), offsets.stderr)
  return pickLogTail(`${errorLog}\n${standardError}`)
}

/** Connects as root through the server's socket (no TCP, no host-name matching). @internal */
export async function connectAsRoot(socketPath: string, connectTimeout = 5_000): Promise<Connection> {
  return await createConnection({ socketPath, user: 'root', connectTimeout, supportBigNumbers: true })
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds))
}

/**
 * Spawns a server and waits until it accepts a connection on its socket. On failure the process is killed and a
 * {@link ServerStartFailedError} with its log tail is thrown.
 */
async function launch(spec: LaunchSpec): Promise<RunningProcess> {
  const { binary, directory } = spec
  const offsets = {
    error: await sizeOf(join(directory, 'error.log')),
    stderr: await sizeOf(join(directory, 'stderr.log')),
  }
  const output = openSync(join(directory, 'stderr.log'), 'a')
  let child: ChildProcess
  try {
    child = spawn(binary.path, spec.args, { stdio: ['ignore', output, output] })
  } finally {
    closeSync(output)
  }
  let exitInfo: ExitInfo | undefined
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
    child.once('error', (error) => resolve({ code: null, signal: null, error }))
  }).then((info) => {
    exitInfo ??= info
    return exitInfo
  })
  const killFile = join(directory, KILL_ON_EXIT_FILE)
  if (child.pid !== undefined) {
    trackProcess(killFile, child.pid)
    void exited.then(() => untrackProcess(killFile))
  }
  const running: RunningProcess = { child, exited, hasExited: () => exitInfo !== undefined }

  const fail = async (reason: string, cause?: unknown): Promise<never> => {
    if (exitInfo === undefined) {
      child.kill('SIGKILL')
      await exited
    }
    const logTail = await readLogTail(directory, offsets)
    throw new ServerStartFailedError(binary.path, reason, { logTail, cause })
  }

  const deadline = Date.now() + spec.timeoutMs
  let lastError: unknown
  for (;;) {
    if (exitInfo !== undefined) {
      const { code, signal, error } = exitInfo
      return await fail(
        error
          ? `it could not be run (${error.message})`
          : `it exited during startup (${signal === null ? `exit code ${code}` : `signal ${signal}`})`,
        error,
      )
    }
    const remaining = deadline - Date.now()
    if (remaining <= 0) {
      return await fail(`it did not accept a connection within ${spec.timeoutMs} ms`, lastError)
    }
    try {
      const connection = await connectAsRoot(spec.socketPath, Math.min(1_000, remaining))
      await connection.end()
      // A forgotten server must not keep the process alive: it is killed on exit instead. Whoever waits for
      // it to exit refs it again (an unref'd child's exit does not keep the event loop alive).
      child.unref()
      return running
    } catch (error) {
      lastError = error
      await Promise.race([sleep(25), exited])
    }
  }
}

function runToCompletion(
  file: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ ok: boolean; output: string; error?: Error }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: options.env ?? process.env, timeout: options.timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`
        resolve(error ? { ok: false, output, error } : { ok: true, output })
      },
    )
  })
}

const isRoot = (): boolean => process.getuid?.() === 0

/** The server must be told to run as root when it is started by root (both servers refuse otherwise). */
function userArgs(): string[] {
  return isRoot() ? ['--user=root'] : []
}

/** Small InnoDB files and buffers, and no fsync per commit: start-up in well under a second, fast tests. */
function innodbArgs(binary: ServerBinary): string[] {
  const redoLog =
    binary.flavor === 'mysql' && compareVersions(binary.version, '8.0.30') >= 0
      ? '--innodb-redo-log-capacity=16M' // innodb_log_file_size is deprecated from 8.0.30
      : '--innodb-log-file-size=16M'
  return ['--innodb-buffer-pool-size=32M', redoLog]
}

/**
 * Oracle MySQL only. Its X Plugin would listen on 33060 in every server; performance_schema costs ~100 MB per
 * server. `secure_file_priv` defaults to a compiled-in directory (`/var/lib/mysql-files` on Debian) that must
 * exist or the server refuses to start: each server gets a `files` directory of its own for
 * `SELECT ... INTO OUTFILE` and `LOAD DATA INFILE`.
 */
function mysqlArgs(directory: string): string[] {
  return [
    '--mysqlx=OFF',
    '--performance-schema=OFF',
    `--secure-file-priv=${join(directory, FILES_DIRECTORY)}`,
  ]
}

/** The directory in a server's own directory that MySQL's `secure_file_priv` names. */
const FILES_DIRECTORY = 'files'

/** The directories a server needs in its own directory besides the data directory. */
async function makeServerDirectories(directory: string): Promise<void> {
  await mkdir(join(directory, 'tmp'), { recursive: true })
  // Only the server's user may read it (MySQL warns about a directory every user can read).
  await mkdir(join(directory, FILES_DIRECTORY), { recursive: true, mode: 0o700 })
}

interface ServerArgsSpec {
  readonly binary: ServerBinary
  readonly directory: string
  readonly port: number
  readonly serverId: number
  readonly extra: readonly string[]
}

function serverArgs(spec: ServerArgsSpec): string[] {
  const { binary, directory } = spec
  return [
    '--no-defaults', // must come first: no my.cnf of the machine's own server
    `--datadir=${join(directory, 'data')}`,
    `--socket=${join(directory, 'mysqld.sock')}`,
    `--pid-file=${join(directory, 'mysqld.pid')}`,
    `--log-error=${join(directory, 'error.log')}`,
    // Its own tmpdir: at start-up a server deletes every `#sql*` file in its tmpdir, which in a shared /tmp
    // would be other servers' live temporary tables (seen: a parallel mariadb-install-db failing).
    `--tmpdir=${join(directory, 'tmp')}`,
    `--port=${spec.port}`,
    '--bind-address=127.0.0.1',
    '--skip-networking=0',
    '--skip-name-resolve',
    `--server-id=${spec.serverId}`,
    '--character-set-server=utf8mb4',
    ...userArgs(),
    ...innodbArgs(binary),
    '--innodb-flush-log-at-trx-commit=2', // survives a killed server, not a crashed machine: fine for tests
    '--sync-binlog=0',
    ...(binary.flavor === 'mysql' ? mysqlArgs(directory) : []),
    ...spec.extra,
  ]
}

/** Initialised data directories, one per server binary, copied for each new server. */
const templates = new Map<string, Promise<string>>()

function templateFor(binary: ServerBinary, timeoutMs: number): Promise<string> {
  let template = templates.get(binary.realPath)
  if (template === undefined) {
    template = createTemplate(binary, timeoutMs)
    templates.set(binary.realPath, template)
    template.catch(() => templates.delete(binary.realPath))
  }
  return template
}

async function createTemplate(binary: ServerBinary, timeoutMs: number): Promise<string> {
  const directory = await mkdtemp(join(privateServerRoot(), 'template-'))
  await makeServerDirectories(directory)
  const dataDir = join(directory, 'data')
  if (binary.flavor === 'mariadb') await initializeMariadb(binary, directory, timeoutMs)
  else await initializeMysql(binary, directory, timeoutMs)
  return dataDir
}

async function initializeMariadb(binary: ServerBinary, directory: string, timeoutMs: number): Promise<void> {
  const dataDir = join(directory, 'data')
  const installDb = await findInstallDb(binary)
  if (installDb === undefined) {
    throw new ServerStartFailedError(
      binary.path,
      'mariadb-install-db (or mysql_install_db), which initialises the data directory, was not found next to ' +
        'the server or on PATH',
    )
  }
  const result = await runToCompletion(
    installDb.path,
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      '--auth-root-authentication-method=normal', // root@localhost and root@127.0.0.1 with an empty password
      '--skip-test-db',
      '--skip-name-resolve',
      `--tmpdir=${join(directory, 'tmp')}`, // passed on to the bootstrap server
      ...userArgs(),
      ...innodbArgs(binary),
    ],
    // The script finds its own server; MYSQLD_BOOTSTRAP makes it use the one we were given.
    { env: { ...process.env, MYSQLD_BOOTSTRAP: binary.realPath }, timeoutMs: Math.max(timeoutMs, 60_000) },
  )
  if (!result.ok) {
    const hint = installDb.besideServer
      ? ''
      : ` (it was found on PATH, not beside the server, and may belong to another MariaDB version than ${binary.version}: ` +
        'keep the mariadb-install-db of the same installation beside the server, in its bin or scripts directory)'
    throw new ServerStartFailedError(
      binary.path,
      `${installDb.path} failed to initialise the data directory${hint}`,
      {
        logTail: pickLogTail(result.output),
        cause: result.error,
      },
    )
  }
}

/**
 * Oracle MySQL: `mysqld --initialize-insecure` creates only root@localhost (empty password). Accounts cannot be
 * created in bootstrap mode (`--init-file` there refuses CREATE USER), so the template server is started once on
 * its socket, without a binary log (anonymous transactions in it would break GTID auto-positioning later), to
 * add root@127.0.0.1 and root@::1, then shut down. Its `auto.cnf` (the server UUID) is left out of every copy.
 * Run by the tests on MySQL 9.7 (the test run's MySQL server binary, KYSELY_TOOLKIT_SERVER_BINARY).
 */
async function initializeMysql(binary: ServerBinary, directory: string, timeoutMs: number): Promise<void> {
  const dataDir = join(directory, 'data')
  const errorLog = join(directory, 'error.log')
  const result = await runToCompletion(
    binary.path,
    [
      '--no-defaults',
      '--initialize-insecure',
      `--datadir=${dataDir}`,
      `--log-error=${errorLog}`,
      '--skip-log-bin', // no anonymous transactions in a binary log that GTID replicas would later read
      `--tmpdir=${join(directory, 'tmp')}`,
      ...userArgs(),
      ...innodbArgs(binary),
    ],
    { timeoutMs: Math.max(timeoutMs, 120_000) },
  )
  if (!result.ok) {
    const logTail = await readLogTail(directory, { error: 0, stderr: 0 })
    throw new ServerStartFailedError(binary.path, '`mysqld --initialize-insecure` failed', {
      logTail: logTail === '' ? pickLogTail(result.output) : logTail,
      cause: result.error,
    })
  }
  const socketPath = join(directory, 'mysqld.sock')
  const running = await launch({
    binary,
    directory,
    socketPath,
    timeoutMs,
    args: [
      ...serverArgs({ binary, directory, port: await findFreePort(), serverId: 1, extra: [] }),
      '--skip-log-bin',
    ],
  })
  try {
    const connection = await connectAsRoot(socketPath)
    try {
      for (const host of ['127.0.0.1', '::1']) {
        await connection.query(`CREATE USER IF NOT EXISTS 'root'@'${host}' IDENTIFIED BY ''`)
        await connection.query(`GRANT ALL PRIVILEGES ON *.* TO 'root'@'${host}' WITH GRANT OPTION`)
      }
      running.child.ref()
      await connection.query('SHUTDOWN')
    } finally {
      connection.destroy()
    }
    const timer = setTimeout(() => running.child.kill('SIGKILL'), 60_000)
    await running.exited
    clearTimeout(timer)
  } catch (error) {
    running.child.ref()
    running.child.kill('SIGKILL')
    await running.exited
    throw new ServerStartFailedError(binary.path, 'could not add root@127.0.0.1 to the new data directory', {
      cause: error,
    })
  }
}

/**
 * Copies the template data directory. `cp -R -p` takes ~30 ms here where `fs.promises.cp` takes ~300 ms (it
 * walks the many small system-table files one promise at a time); the latter is the fallback. MySQL's `auto.cnf`
 * (the server UUID) is not copied: each server makes its own, and replication needs them distinct.
 */
async function copyDataDir(template: string, target: string): Promise<void> {
  const copied = await runToCompletion('cp', ['-R', '-p', template, target], { timeoutMs: 60_000 })
  if (copied.ok) {
    await rm(join(target, 'auto.cnf'), { force: true })
    return
  }
  await rm(target, { recursive: true, force: true })
  await cp(template, target, { recursive: true, filter: (source) => basename(source) !== 'auto.cnf' })
}

/** Ports handed out in this process: two servers started at once must not get the same one. */
const portsHandedOut = new Set<number>()

async function findFreePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer()
      server.unref()
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => {
        const address = server.address()
        server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
      })
    })
    if (port !== 0 && !portsHandedOut.has(port)) {
      portsHandedOut.add(port)
      return port
    }
  }
}

function isPortInUse(error: unknown): boolean {
  return (
    ServerStartFailedError.is(error) &&
    /address already in use|another mysqld server running on port|bind on tcp\/ip port/i.test(error.logTail)
  )
}

/**
 * What a {@link PrivateServer} is built from; made by {@link startPrivateServer}.
 *
 * @internal
 */
export interface PrivateServerSetup {
  readonly binary: ServerBinary
  readonly directory: string
  readonly port: number
  readonly options: ResolvedPrivateServerOptions
}

/**
 * A throw-away MariaDB or MySQL server of its own: started from the installed binary in a temporary data
 * directory, on a free port of 127.0.0.1, reachable as root with an empty password. It can be stopped, started
 * again (same data, same port), restarted, and destroyed (stopped and its directory removed). A server still
 * running when the process exits is killed and removed, even when the process is killed.
 *
 * Create one with {@link startPrivateServer}.
 *
 * @example
 * ```ts
 * import { createConnection } from 'mysql2/promise'
 * import { startPrivateServer } from 'kysely-toolkit/testing'
 *
 * await using server = await startPrivateServer()
 * const connection = await createConnection(server.url)
 * await connection.query('CREATE DATABASE shop')
 * await connection.end()
 *
 * await server.restart() // the data survives; open connections do not
 * ```
 */
export class PrivateServer implements AsyncDisposable {
  /** Always `127.0.0.1`. */
  readonly host = '127.0.0.1'
  /** The TCP port; kept across `stop()`/`start()`. */
  readonly port: number
  /** `mysql://root@127.0.0.1:<port>/`: root, empty password, no default database. */
  readonly url: string
  /** The server's Unix socket. */
  readonly socketPath: string
  /** The server's data directory (inside a temporary directory removed by `destroy()`). */
  readonly dataDir: string
  /** `mariadb` or `mysql`, read from the binary's `--version`. */
  readonly flavor: ServerFlavor
  /** The server version, `major.minor.patch` (e.g. `10.11.19`). */
  readonly version: string
  /** The server binary that runs it. */
  readonly binary: string
  /** Its `--server-id`. */
  readonly serverId: number
  readonly #setup: PrivateServerSetup
  #process: RunningProcess | undefined
  #destroyed = false
  #queue: Promise<unknown> = Promise.resolve()

  /** @internal Use {@link startPrivateServer}. */
  constructor(setup: PrivateServerSetup) {
    this.#setup = setup
    this.port = setup.port
    this.url = `mysql://root@127.0.0.1:${setup.port}/`
    this.socketPath = join(setup.directory, 'mysqld.sock')
    this.dataDir = join(setup.directory, 'data')
    this.flavor = setup.binary.flavor
    this.version = setup.binary.version
    this.binary = setup.binary.path
    this.serverId = setup.options.serverId
  }

  /** The server's process id while it runs, else `undefined`. */
  get pid(): number | undefined {
    return this.#process?.child.pid
  }

  /** Whether the server process is running. */
  get isRunning(): boolean {
    return this.#process !== undefined && !this.#process.hasExited()
  }

  /**
   * Starts the server (again) on the same data directory and port; resolves once it accepts connections.
   * Does nothing when it is running.
   *
   * @throws {@link ServerStartFailedError} when it exits or does not answer in time (with its log tail), or
   *   after `destroy()`.
   *
   * @example
   * ```ts
   * await server.stop()
   * await server.start()
   * ```
   */
  start(): Promise<void> {
    return this.#serialize(() => this.#start())
  }

  /**
   * Shuts the server down cleanly (SIGTERM), killing it if it takes longer than `shutdownTimeoutMs`. The data
   * directory stays. Does nothing when it is not running.
   *
   * @example
   * ```ts
   * await server.stop()
   * // connections to server.url are now refused
   * ```
   */
  stop(): Promise<void> {
    return this.#serialize(() => this.#stop('SIGTERM'))
  }

  /**
   * Stops then starts the server: the data survives, open connections do not.
   *
   * @example
   * ```ts
   * await server.restart()
   * ```
   */
  restart(): Promise<void> {
    return this.#serialize(async () => {
      await this.#stop('SIGTERM')
      await this.#start()
    })
  }

  /**
   * Kills the server and removes its temporary directory, data included. Safe to call twice.
   *
   * @example
   * ```ts
   * await server.destroy()
   * ```
   */
  destroy(): Promise<void> {
    return this.#serialize(async () => {
      if (this.#destroyed) return
      this.#destroyed = true
      await this.#stop('SIGKILL') // the data is thrown away: no clean shutdown needed
      await rm(this.#setup.directory, { recursive: true, force: true, maxRetries: 3 })
    })
  }

  /** Same as {@link PrivateServer.destroy}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.destroy()
  }

  #serialize<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(task, task)
    this.#queue = result.catch(() => undefined)
    return result
  }

  async #start(): Promise<void> {
    if (this.#destroyed) throw new ServerStartFailedError(this.binary, 'the server was destroyed')
    if (this.isRunning) return
    const { binary, directory, port, options } = this.#setup
    await makeServerDirectories(directory)
    this.#process = await launch({
      binary,
      directory,
      socketPath: this.socketPath,
      timeoutMs: options.startupTimeoutMs,
      args: serverArgs({ binary, directory, port, serverId: options.serverId, extra: options.args }),
    })
  }

  async #stop(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const running = this.#process
    if (running === undefined) return
    if (!running.hasExited()) {
      running.child.ref()
      running.child.kill(signal)
      const timer = setTimeout(() => running.child.kill('SIGKILL'), this.#setup.options.shutdownTimeoutMs)
      await running.exited
      clearTimeout(timer)
    }
    this.#process = undefined
  }
}

/**
 * Starts a {@link PrivateServer}: a throw-away `mariadbd` or Oracle MySQL `mysqld` of its own, from the installed
 * binary, in a temporary directory on a free port of 127.0.0.1, reachable as root with an empty password.
 * No root privileges, service or configuration file are needed (and the machine's `my.cnf` is ignored).
 *
 * The first server of a process initialises a data directory (`mariadb-install-db`, or
 * `mysqld --initialize-insecure`); later ones copy it, which is faster. Starting takes well under a second with
 * MariaDB, and 1-2 s with MySQL (5-10 s for the first one, which initialises). Oracle MySQL also gets `--mysqlx=OFF`,
 * `--performance-schema=OFF` and a `secure_file_priv` directory of the server's own.
 *
 * @throws {@link ServerStartFailedError} when no binary is found, the binary cannot be run, or the server does
 *   not start (the message quotes the end of its log).
 * @throws {@link InvalidOptionsError} for invalid options.
 *
 * @example
 * ```ts
 * import { startPrivateServer } from 'kysely-toolkit/testing'
 *
 * const server = await startPrivateServer({ args: ['--log-bin=binlog'], serverId: 7 })
 * try {
 *   console.log(server.url, server.flavor, server.version) // mysql://root@127.0.0.1:41234/ mariadb 10.11.19
 * } finally {
 *   await server.destroy()
 * }
 * ```
 */
export async function startPrivateServer(options: PrivateServerOptions = {}): Promise<PrivateServer> {
  const resolved = resolveOptions(options)
  const path = resolved.binary ?? (await findServerBinary())
  if (path === undefined) {
    throw new ServerStartFailedError(
      'mariadbd',
      'KYSELY_TOOLKIT_SERVER_BINARY is not set and no mariadbd or mysqld binary was found on PATH or in the ' +
        'usual sbin directories; install one ' +
        '(e.g. `apt-get install mariadb-server`) or pass its path as `binary`',
    )
  }
  const binary = await inspectServerBinary(path)
  const template = await templateFor(binary, resolved.startupTimeoutMs)
  for (let attempt = 1; ; attempt++) {
    const port = resolved.port ?? (await findFreePort())
    const directory = await mkdtemp(join(privateServerRoot(), 'server-'))
    await makeServerDirectories(directory)
    await copyDataDir(template, join(directory, 'data'))
    const server = new PrivateServer({ binary, directory, port, options: resolved })
    try {
      await server.start()
      return server
    } catch (error) {
      await server.destroy()
      if (resolved.port === undefined && attempt < 3 && isPortInUse(error)) continue
      throw error
    }
  }
}
