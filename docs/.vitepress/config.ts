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
          { text: 'Testing with a real database', link: '/testing' },
          { text: 'Column encryption', link: '/encryption' },
        ],
      },
    ],
    search: { provider: 'local' },
  },
})
