import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ResolvedDatabaseOptions } from '../database/database-options.js'

/**
 * Runs a MariaDB/MySQL client program (mariadb-dump, mariadb) with the connection in a defaults file (mode 0600,
 * in a private 0700 directory, deleted afterwards): the password is never on the command line (visible in `ps`)
 * nor in the child's environment (MYSQL_PWD is deprecated and visible in /proc/<pid>/environ). The child gets a
 * minimal environment (PATH, LANG) without any of the parent's database variables.
 *
 * @internal
 */
export async function withClientTool<T>(
  options: ResolvedDatabaseOptions,
  command: string,
  args: readonly string[],
  use: (child: ChildProcess, done: Promise<void>) => Promise<T>,
): Promise<T> {
  const directory = await mkdtemp(join(tmpdir(), 'kysely-toolkit-'))
  const defaultsFile = join(directory, 'client.cnf')
  try {
    await writeFile(defaultsFile, defaultsFileContent(options), { mode: 0o600, flag: 'wx' })
    const child = spawn(command, [`--defaults-extra-file=${defaultsFile}`, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' },
    })
    let stderr = ''
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (text: string) => {
      if (stderr.length < 8192) stderr += text
    })
    const done = new Promise<void>((resolve, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'ENOENT'
            ? new Error(
                `${command} was not found on PATH; install the MariaDB/MySQL client or use the builtin engine`,
              )
            : error,
        )
      })
      child.once('close', (code, signal) => {
        if (code === 0) resolve()
        else
          reject(
            new Error(`${command} exited with ${signal ?? `code ${code}`}: ${stderr.trim().slice(0, 2000)}`),
          )
      })
    })
    done.catch(() => {})
    try {
      return await use(child, done)
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    }
  } finally {
    await rm(directory, { recursive: true, force: true })
  }
}

/** An option-file value in double quotes, with `\` and `"` escaped (the option-file escape rules). */
function optionValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`
}

function defaultsFileContent(options: ResolvedDatabaseOptions): string {
  const { connection } = options
  const lines = [
    '[client]',
    `user=${optionValue(connection.user)}`,
    `password=${optionValue(connection.password)}`,
  ]
  if (connection.socketPath !== undefined) lines.push(`socket=${optionValue(connection.socketPath)}`)
  else lines.push(`host=${optionValue(connection.host)}`, `port=${connection.port}`, 'protocol=TCP')
  return `${lines.join('\n')}\n`
}
