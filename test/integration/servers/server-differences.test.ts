import { createConnection } from 'mysql2/promise'
import { describe, expect, inject, it } from 'vitest'
import {
  SERVER_DIFFERENCES,
  SUPPORT_TABLE_SERVERS,
  type SupportTableServer,
} from '../../fixtures/servers/server-differences.js'
import { testServer } from '../../helpers/test-server.js'

const databaseUrl = inject('databaseUrl')
const column = SUPPORT_TABLE_SERVERS.find(
  (server) => server === `${testServer.flavor}-${testServer.version.split('.').slice(0, 2).join('.')}`,
) as SupportTableServer | undefined

describe('docs/servers.md support table', () => {
  for (const difference of SERVER_DIFFERENCES) {
    it(`holds for ${difference.feature} on this server`, async (context) => {
      if (column === undefined) {
        context.skip(
          `${testServer.name} (${testServer.flavor} ${testServer.version}) has no column in the table`,
        )
      }
      const open = () => createConnection(databaseUrl)
      const connection = await open()
      try {
        expect(await difference.probe(connection, open)).toBe(difference.cells[column!])
      } finally {
        connection.destroy()
      }
    })
  }
})
