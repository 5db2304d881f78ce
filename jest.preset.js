// Shared Jest settings: SWC transpiles TypeScript (with decorator metadata for NestJS),
// and workspace libraries resolve to their sources so unit tests need no build.
const path = require('node:path');
const fs = require('node:fs');

const libsDir = path.join(__dirname, 'libs');
const libNames = fs.existsSync(libsDir)
  ? fs.readdirSync(libsDir).filter((d) => fs.existsSync(path.join(libsDir, d, 'package.json')))
  : [];

const moduleNameMapper = {};
for (const name of libNames) {
  const pkg = require(path.join(libsDir, name, 'package.json'));
  moduleNameMapper[`^${pkg.name.replace('/', '\\/')}$`] = path.join(libsDir, name, 'src/index.ts');
}

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
