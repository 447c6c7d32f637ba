import { defineConfig } from 'vitepress'

/**
 * The docs site. Every TypeScript block is a VitePress include (`<<< @/examples/file.ts#region`) of a file the test
 * suite type-checks and runs (docs/examples/, or the example app in example/); test/unit/docs/doc-regions.test.ts
 * refuses hand-written blocks.
 */
export default defineConfig({
  title: 'kysely-toolkit',
  description: 'Kysely + mysql2 for MySQL and MariaDB, safe and fast',
  cleanUrls: true,
  lastUpdated: false,
  ignoreDeadLinks: [/^\/api\//],
  srcExclude: ['examples/**', 'README.md'],
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/getting-started' },
      { text: 'API', link: '/api/index.html', target: '_self' },
    ],
    sidebar: [
      {
        text: 'Guide',
        items: [
          { text: 'Getting started', link: '/getting-started' },
          { text: 'Connections and the pool', link: '/connections' },
          { text: 'Codegen and type mapping', link: '/codegen' },
          { text: 'Testing with a real database', link: '/testing' },
          { text: 'Migrating from Sequelize and TypeORM', link: '/migration-guide' },
        ],
      },
      {
        text: 'Data access',
        items: [
          { text: 'Repositories', link: '/repositories' },
          { text: 'Sorting and filtering from HTTP', link: '/sorting-and-filtering' },
          { text: 'Relations without N+1', link: '/relations' },
          { text: 'Transactions and unit of work', link: '/transactions' },
          { text: 'Errors', link: '/errors' },
        ],
      },
      {
        text: 'Operations',
        items: [
          { text: 'Replicas: read/write splitting', link: '/replicas' },
          { text: 'Query logging', link: '/logging' },
          { text: 'Metrics and tracing', link: '/metrics' },
          { text: 'Column encryption', link: '/encryption' },
          { text: 'Backups', link: '/backup' },
        ],
      },
      {
        text: 'Reference',
        items: [
          { text: 'API reference', link: '/api/index.html', target: '_self' },
          { text: 'Servers: MySQL and MariaDB', link: '/servers' },
          { text: 'Benchmarks', link: '/benchmarks' },
        ],
      },
    ],
    search: { provider: 'local' },
  },
})
