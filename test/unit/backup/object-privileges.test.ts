import { describe, expect, it } from 'vitest'
import { binaryLogAdvice } from '../../../src/backup/object-privileges.js'

describe(binaryLogAdvice.name, () => {
  it('names the cure for the two binary-log refusals and nothing else', () => {
    expect(binaryLogAdvice({ errno: 1419 })).toContain('SUPER')
    expect(binaryLogAdvice({ errno: 1419 })).toContain('log_bin_trust_function_creators = 1')
    expect(binaryLogAdvice({ errno: 1418 })).toContain('DETERMINISTIC, NO SQL or READS SQL DATA')
    expect(binaryLogAdvice({ errno: 1062 })).toBeUndefined()
    expect(binaryLogAdvice(new Error('other'))).toBeUndefined()
  })
})
