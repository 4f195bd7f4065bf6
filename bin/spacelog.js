#!/usr/bin/env node
'use strict';
// The `spacelog` command: a shim over the compiled CLI in dist/.
const fs = require('node:fs');
const path = require('node:path');

const entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write(`spacelog: ${entry} is missing: run npm run build first\n`);
  process.exit(1);
}
require(entry)
  .main(process.argv)
  .catch((error) => {
    process.stderr.write(`spacelog: ${error && error.stack ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
