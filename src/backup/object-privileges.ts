import type { BackupManifest } from './manifest.js'
import { quoteIdentifier, type ServerConnection } from './server-connection.js'

/** `ER_BINLOG_CREATE_ROUTINE_NEED_SUPER`: binary log on, function creators not trusted, no SUPER. */
const NEED_SUPER = 1419
/** `ER_BINLOG_UNSAFE_ROUTINE`: binary log on, a function declared neither DETERMINISTIC, NO SQL nor READS SQL DATA. */
const UNSAFE_ROUTINE = 1418

const PROBE = 'ktr_privilege_probe'

/**
 * Finds out, before any row is loaded, whether the restoring user may create the archive's stored functions and
 * triggers. A server that writes a binary log with `log_bin_trust_function_creators` off (MySQL and MariaDB
 * alike; MySQL 8+ and MariaDB 11 packages log by default) lets only users with SUPER create either, whatever the
 * DEFINER, so a restore would otherwise fail only at its very end, after all the rows. The check creates and drops
 * a probe function (or a probe table with a trigger) in the restore's own, still empty, temporary database.
 *
 * @throws {Error} naming the objects and the two cures when the server refuses the probe for that reason; other
 * refusals (say, no CREATE ROUTINE) are left for the real statements to report.
 *
 * @internal
 */
export async function checkObjectCreation(
  connection: ServerConnection,
  manifest: Pick<BackupManifest, 'routines' | 'triggers'>,
): Promise<void> {
  const functions = manifest.routines.filter((routine) => routine.startsWith('function '))
  const triggers = manifest.triggers.map((trigger) => `trigger ${trigger}`)
  if (functions.length === 0 && triggers.length === 0) return
  const [settings] = await connection.query<{ logBin: number | string; trusted: number | string }>(
    'SELECT @@log_bin AS logBin, @@log_bin_trust_function_creators AS trusted',
  )
  if (Number(settings?.logBin) !== 1 || Number(settings?.trusted) === 1) return
  const probe = quoteIdentifier(PROBE)
  try {
    if (functions.length > 0) {
      await connection.query(`CREATE FUNCTION ${probe}() RETURNS INT DETERMINISTIC NO SQL RETURN 1`)
      await connection.query(`DROP FUNCTION ${probe}`)
    } else {
      await connection.query(`CREATE TABLE ${probe} (id INT) ENGINE=InnoDB`)
      try {
        await connection.query(
          `CREATE TRIGGER ${probe} BEFORE INSERT ON ${probe} FOR EACH ROW SET NEW.id = NEW.id`,
        )
      } finally {
        await connection.query(`DROP TABLE ${probe}`)
      }
    }
  } catch (error) {
    if ((error as { errno?: number }).errno !== NEED_SUPER) return
    const [who] = await connection.query<{ user: string }>('SELECT CURRENT_USER() AS user')
    throw new Error(
      `the backup has ${[...functions, ...triggers].join(', ')}, and this server writes a binary log with log_bin_trust_function_creators = 0, where only a user with the SUPER privilege may create stored functions and triggers; ${who?.user ?? 'the restoring user'} has not: restore as a user with SUPER, or have an administrator SET GLOBAL log_bin_trust_function_creators = 1 (nothing was restored)`,
      { cause: error },
    )
  }
}

/**
 * Says what to do about the binary-log refusals of one object's CREATE statement, or `undefined` for any other
 * error. @internal
 */
export function binaryLogAdvice(error: unknown): string | undefined {
  switch ((error as { errno?: number }).errno) {
    case NEED_SUPER:
      return 'with a binary log and log_bin_trust_function_creators = 0, only a user with SUPER may create functions and triggers: restore as such a user, or SET GLOBAL log_bin_trust_function_creators = 1'
    case UNSAFE_ROUTINE:
      return 'with a binary log and log_bin_trust_function_creators = 0, a function must be declared DETERMINISTIC, NO SQL or READS SQL DATA: fix the function on the source, or SET GLOBAL log_bin_trust_function_creators = 1 on the target'
    default:
      return undefined
  }
}
