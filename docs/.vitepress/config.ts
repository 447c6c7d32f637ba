import { defineConfig } from 'vitepress'

/** The docs site. Every code block comes from a file under docs/examples/ that the test suite runs. */
export default defineConfig({
  title: 'kysely-toolkit',
  description: 'Kysely + mysql2 for MySQL 8 and MariaDB, safe and fast',
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
          { text: 'Repositories', link: '/repositories' },
          { text: 'Sorting and filtering from HTTP', link: '/sorting-and-filtering' },
          { text: 'Relations without N+1', link: '/relations' },
          { text: 'Errors', link: '/errors' },
          { text: 'Transactions and unit of work', link: '/transactions' },
          { text: 'Replicas: read/write splitting', link: '/replicas' },
          { text: 'Testing with a real database', link: '/testing' },
          { text: 'Benchmarks', link: '/benchmarks' },
          { text: 'Migrating from Sequelize and TypeORM', link: '/migration-guide' },
          { text: 'Query logging', link: '/logging' },
          { text: 'Metrics', link: '/metrics' },
          { text: 'Column encryption', link: '/encryption' },
          { text: 'Backups', link: '/backup' },
        ],
      },
    ],
    search: { provider: 'local' },
  },
})
