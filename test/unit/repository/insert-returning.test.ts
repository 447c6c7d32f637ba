import { describe, expect, it } from 'vitest'
import { hasInsertReturning, supportsInsertReturning } from '../../../src/repository/insert-returning.js'
import { createCompileOnlyDb } from '../../helpers/compile-only-db.js'

describe(hasInsertReturning.name, () => {
  it('is true for MariaDB 10.5 and later only', () => {
    expect(hasInsertReturning('10.11.19-MariaDB-0+deb12u1')).toBe(true)
    expect(hasInsertReturning('10.5.0-MariaDB')).toBe(true)
    expect(hasInsertReturning('11.4.2-MariaDB-ubu2404')).toBe(true)
    expect(hasInsertReturning('5.5.5-10.6.12-MariaDB-log')).toBe(true)
    expect(hasInsertReturning('10.4.32-MariaDB')).toBe(false)
    expect(hasInsertReturning('5.5.5-10.3.39-MariaDB')).toBe(false)
  })

  it('is false for MySQL of any version and for anything unreadable', () => {
    for (const version of ['8.0.36', '8.4.3', '9.1.0-commercial', '10.5.0', '', 'MariaDB']) {
      expect(hasInsertReturning(version), version).toBe(false)
    }
  })
})

describe(supportsInsertReturning.name, () => {
  it('asks once per database: the same answer for the database, its copies with plugins, and its transactions', async () => {
    const db = createCompileOnlyDb()
    const answer = supportsInsertReturning(db)
    expect(supportsInsertReturning(db)).toBe(answer)
    expect(supportsInsertReturning(db.withoutPlugins())).toBe(answer)
    await db.transaction().execute(async (trx) => {
      expect(supportsInsertReturning(trx)).toBe(answer)
    })
    expect(supportsInsertReturning(createCompileOnlyDb())).not.toBe(answer)
    // A driver that answers nothing is not taken for MariaDB.
    await expect(answer).resolves.toBe(false)
  })
})
