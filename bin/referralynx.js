#!/usr/bin/env node
// The installed command. `npm install` compiles the TypeScript through the prepare script.
require('../dist/server/cli.js')
  .main(process.argv)
  .then((code) => { process.exitCode = code; });
