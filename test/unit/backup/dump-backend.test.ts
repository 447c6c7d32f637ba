import { describe, expect, it } from 'vitest'
import { DUMP_PROGRAMS, dumpArguments, dumpEngineOf } from '../../../src/backup/dump-backend.js'

describe(dumpEngineOf.name, () => {
  it("picks the server's own dump program from its version", () => {
    expect(dumpEngineOf('9.7.4-2')).toBe('mysqldump')
    expect(dumpEngineOf('8.0.40')).toBe('mysqldump')
    expect(dumpEngineOf('10.11.19-MariaDB-0+deb12u1')).toBe('mariadb-dump')
    expect(dumpEngineOf('11.8.9-MariaDB-0+deb13u1 from Debian-log')).toBe('mariadb-dump')
  })
})

describe(dumpArguments.name, () => {
  it('gives mysqldump no GTID_PURGED line and no tablespaces, and both programs one snapshot', () => {
    const mysql = dumpArguments('mysqldump', 'shop', false)
    expect(mysql).toContain('--set-gtid-purged=OFF')
    expect(mysql).toContain('--no-tablespaces')
    expect(mysql.at(-1)).toBe('shop')
    const mariadb = dumpArguments('mariadb-dump', 'shop', true)
    expect(mariadb).not.toContain('--set-gtid-purged=OFF')
    expect(mariadb).toContain('--events')
    for (const args of [mysql, mariadb]) expect(args).toContain('--single-transaction')
  })

  it('loads each engine’s archives with the matching client', () => {
    expect(DUMP_PROGRAMS.mysqldump.client).toBe('mysql')
    expect(DUMP_PROGRAMS['mariadb-dump'].client).toBe('mariadb')
  })
})
