import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { onMysql, testServer } from '../../helpers/test-server.js'

const CLIENT_TOOL_SCRIPT = fileURLToPath(new URL('../../../scripts/client-tool.sh', import.meta.url))

/**
 * The program a dump-engine backup of this run's server runs (`mysqldump` on MySQL, `mariadb-dump` on MariaDB),
 * and the client that loads its archives (`mysql`, `mariadb`): the server's own, from its chroot when
 * scripts/test-servers.sh runs it there (scripts/client-tool.sh), else the one on PATH. The host's `mysqldump`
 * may be MariaDB's (Debian links it to mariadb-dump), so a MySQL run checks that it got MySQL's and says how to
 * get it otherwise.
 */
export function serverTools(): { readonly dump: string; readonly client: string } {
  const [dumpName, clientName] = onMysql ? ['mysqldump', 'mysql'] : ['mariadb-dump', 'mariadb']
  const dump = locate(dumpName)
  const client = locate(clientName)
  if (onMysql) {
    for (const program of [dump, client]) {
      const version = execFileSync(program, ['--version'], { encoding: 'utf8' })
      if (/mariadb/i.test(version)) {
        throw new Error(
          `${program} is MariaDB's (${version.trim()}); the MySQL dump-engine tests need MySQL's own: put MySQL's client programs first on PATH, or run the server with scripts/test-servers.sh (scripts/client-tool.sh wraps its programs)`,
        )
      }
    }
  }
  return { dump, client }
}

function locate(program: string): string {
  try {
    return execFileSync('bash', [CLIENT_TOOL_SCRIPT, testServer.name, program], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
  } catch {
    return program
  }
}
