/** Import rules checked by `npm run check:imports` (dependency-cruiser). */
// eslint-disable-next-line no-undef
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'No import cycles anywhere.', from: {}, to: { circular: true } },
    {
      name: 'src-not-into-jobs',
      severity: 'error',
      comment: 'jobs/ are thin entry points; the library never imports them.',
      from: { path: '^src/' },
      to: { path: '^jobs/' },
    },
    {
      name: 'pure-layers-no-io',
      severity: 'error',
      comment: 'The run, the reports and the core reach the world only through ports.',
      from: { path: '^src/(run|report|core)/' },
      to: {
        path: [
          '^src/adapters/',
          '^src/fs/',
          '^src/sim/',
          '^src/gateway/',
          '^src/cli/',
          '^src/app/',
          'better-sqlite3',
          'nodemailer',
          '@stoqey/ib',
          '^fs$',
          '^node:fs',
          '^node:net',
        ],
      },
    },
    {
      name: 'one-simulated-market',
      severity: 'error',
      comment: 'src/sim is the market; the sim broker and the gateway are its two faces and never reach into each other.',
      from: { path: '^src/(sim|gateway)/' },
      to: { path: ['^src/adapters/', '^src/app/', '^src/run/'] },
    },
    {
      name: 'only-the-root-builds-adapters',
      severity: 'error',
      comment: 'Adapters are constructed by the composition root (src/app); the CLI asks it.',
      from: { path: '^src/cli/' },
      to: { path: '^src/adapters/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
