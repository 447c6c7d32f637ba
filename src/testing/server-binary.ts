import { execFile } from 'node:child_process'
import { constants } from 'node:fs'
import { access, realpath } from 'node:fs/promises'
import { delimiter, dirname, join } from 'node:path'
import { ServerStartFailedError } from '../error/server-start-failed-error.js'

/**
 * The server families a private server can be started from.
 *
 * @example
 * ```ts
 * import { SERVER_FLAVORS, startPrivateServer } from 'kysely-toolkit/testing'
 *
 * const server = await startPrivateServer()
 * console.log(SERVER_FLAVORS.indexOf(server.flavor) >= 0) // true
 * ```
 */
export const SERVER_FLAVORS = ['mariadb', 'mysql'] as const

/**
 * A value of {@link SERVER_FLAVORS}: `mariadb` (`mariadbd`) or `mysql` (Oracle MySQL's `mysqld`, 8.0 and later).
 *
 * @example
 * ```ts
 * import type { ServerFlavor } from 'kysely-toolkit/testing'
 *
 * const statusStatement = (flavor: ServerFlavor) => (flavor === 'mariadb' ? 'SHOW SLAVE STATUS' : 'SHOW REPLICA STATUS')
 * ```
 */
export type ServerFlavor = (typeof SERVER_FLAVORS)[number]

/** An installed server binary, inspected with `--version`. @internal */
export interface ServerBinary {
  /** The path as given or found. */
  readonly path: string
  /** The path with symbolic links resolved (`/usr/sbin/mysqld` is often a link to `mariadbd`). */
  readonly realPath: string
  readonly flavor: ServerFlavor
  /** `major.minor.patch`, e.g. `10.11.19` or `8.4.3`. */
  readonly version: string
}

const SERVER_NAMES = ['mariadbd', 'mysqld'] as const
const INSTALL_DB_NAMES = ['mariadb-install-db', 'mysql_install_db'] as const

/** Where servers live when they are not on `PATH` (Debian and RPM sbin, tarballs, Homebrew). */
const USUAL_DIRECTORIES = [
  '/usr/sbin',
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/local/mysql/bin',
  '/opt/homebrew/bin',
  '/opt/homebrew/sbin',
  '/usr/libexec',
] as const

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function searchDirectories(env: NodeJS.ProcessEnv): string[] {
  const fromPath = (env.PATH ?? '').split(delimiter).filter((dir) => dir !== '')
  return [...new Set([...fromPath, ...USUAL_DIRECTORIES])]
}

/**
 * The environment variable naming the server binary private servers are started from, when no `binary` option
 * is given: e.g. `KYSELY_TOOLKIT_SERVER_BINARY=/usr/local/mysql/bin/mysqld`.
 */
const SERVER_BINARY_VARIABLE = 'KYSELY_TOOLKIT_SERVER_BINARY'

/**
 * The server binary to use when none is given: `KYSELY_TOOLKIT_SERVER_BINARY` when it is set (not checked
 * here: {@link inspectServerBinary} says what is wrong with it), else the first `mariadbd`, else the first
 * `mysqld`, on `PATH` or in the usual sbin directories; `undefined` when none is installed.
 *
 * @internal
 */
export async function findServerBinary(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const chosen = env[SERVER_BINARY_VARIABLE]
  if (chosen !== undefined && chosen !== '') return chosen
  const directories = searchDirectories(env)
  for (const name of SERVER_NAMES) {
    for (const directory of directories) {
      const candidate = join(directory, name)
      if (await isExecutable(candidate)) return candidate
    }
  }
  return undefined
}

const inspected = new Map<string, Promise<ServerBinary>>()

/** Runs `binary --version` (once per path and process) and reads the flavor and version from it. @internal */
export function inspectServerBinary(path: string): Promise<ServerBinary> {
  let binary = inspected.get(path)
  if (binary === undefined) {
    binary = inspect(path)
    inspected.set(path, binary)
    binary.catch(() => inspected.delete(path))
  }
  return binary
}

async function inspect(path: string): Promise<ServerBinary> {
  if (!(await isExecutable(path))) {
    throw new ServerStartFailedError(path, 'the file does not exist or is not executable')
  }
  const output = await new Promise<string>((resolve, reject) => {
    execFile(path, ['--version'], { timeout: 15_000 }, (error, stdout, stderr) => {
      if (error) reject(error)
      else resolve(`${stdout}${stderr}`)
    })
  }).catch((error: unknown) => {
    throw new ServerStartFailedError(path, `\`${path} --version\` failed`, { cause: error })
  })
  const version = /\bVer\s+(\d+\.\d+\.\d+)/.exec(output)?.[1] ?? /(\d+\.\d+\.\d+)/.exec(output)?.[1]
  const flavor: ServerFlavor | undefined = /mariadb/i.test(output)
    ? 'mariadb'
    : /mysql/i.test(output)
      ? 'mysql'
      : undefined
  if (version === undefined || flavor === undefined) {
    throw new ServerStartFailedError(
      path,
      `\`--version\` did not name a MariaDB or MySQL server version (it printed: ${output.trim().slice(0, 200)})`,
    )
  }
  return { path, realPath: await realpath(path), flavor, version }
}

/**
 * MariaDB's data-directory initialiser for a server binary: next to it, in the sibling `bin`/`scripts`
 * directory of its installation, or on `PATH`.
 *
 * @internal
 */
export async function findInstallDb(
  binary: ServerBinary,
  env: NodeJS.ProcessEnv = process.env,
): Promise<InstallDb | undefined> {
  const beside = installationDirectories(binary)
  for (const [directories, besideServer] of [
    [beside, true],
    [searchDirectories(env), false],
  ] as const) {
    for (const name of INSTALL_DB_NAMES) {
      for (const directory of directories) {
        const path = join(directory, name)
        if (await isExecutable(path)) return { path, besideServer }
      }
    }
  }
  return undefined
}

/** A data-directory initialiser found by {@link findInstallDb}. @internal */
export interface InstallDb {
  readonly path: string
  /**
   * Found in the server's own installation rather than on `PATH`: one found on `PATH` may belong to another
   * MariaDB version (its system tables then fail to load, e.g. with "Illegal mix of collations").
   */
  readonly besideServer: boolean
}

function installationDirectories(binary: ServerBinary): string[] {
  const binaryDirectory = dirname(binary.realPath)
  const base = dirname(binaryDirectory)
  return [binaryDirectory, join(base, 'bin'), join(base, 'scripts')]
}

/** Compares dotted versions: negative when `a < b`, 0 when equal, positive when `a > b`. @internal */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number)
  const right = b.split('.').map(Number)
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0)
    if (difference !== 0) return difference
  }
  return 0
}
