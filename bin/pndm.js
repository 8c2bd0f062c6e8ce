#!/usr/bin/env node
// The `pndm` command: a thin launcher for the bundled CLI (built by `npm run build`, run by `npm ci`).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const cli = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error('pndm: dist/cli.js is missing; run `npm run build` in ' + join(__dirname, '..') + ' first.');
  process.exit(1);
}
require(cli);
