import { describe, expect, inject, it } from 'vitest'
import { gettingStarted } from '../../../docs/examples/getting-started.js'
import { createTestDatabase } from '../../../src/testing/index.js'

describe('docs examples', () => {
  it('getting-started.ts migrates, inserts, queries and reports health', async () => {
    await using test = await createTestDatabase({ serverUrl: inject('serverUrl'), prefix: 'ktdocs' })
    const result = await gettingStarted({ DATABASE_URL: test.url })
    expect(result.applied).toHaveLength(3)
    expect(result.active).toEqual([{ id: 1, email: 'ada@example.com', status: 'active' }])
    expect(result.health).toMatchObject({ status: 'healthy' })
  })
})
