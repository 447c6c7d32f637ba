// The example of docs/testing.md's private servers, run as part of the integration suite: it starts a server
// from the binary KYSELY_TOOLKIT_SERVER_BINARY names, else from the installed mariadbd or mysqld.
// #region private-server
import { startPrivateServer } from 'kysely-toolkit/testing'
import { createConnection } from 'mysql2/promise'
import { expect, it } from 'vitest'

it('keeps its data across a restart of its own server', async () => {
  // Extra server arguments come after the toolkit's own, so they override them.
  await using server = await startPrivateServer({ args: ['--max-connections=200'] })
  // server.url is mysql://root@127.0.0.1:<a free port>/; server.flavor is 'mariadb' or 'mysql'
  const before = await createConnection(server.url)
  await before.query('CREATE DATABASE shop')
  await before.end()

  await server.restart() // the data stays; open connections do not

  const after = await createConnection(server.url)
  const [databases] = await after.query("SHOW DATABASES LIKE 'shop'")
  const [settings] = await after.query('SELECT @@max_connections AS maxConnections')
  await after.end()
  expect(databases).toHaveLength(1)
  expect(settings).toEqual([{ maxConnections: 200 }])
}) // the server is killed and its directory removed here, also when the test fails
// #endregion private-server
