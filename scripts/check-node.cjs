#!/usr/bin/env node
// Does this Node.js (or the version given as the argument) satisfy package.json's `engines.node`?
// Run by scripts/provision.sh before anything is installed, so it needs no dependency: it reads the
// range forms package.json uses (`^a.b.c`, `>=a.b.c`, joined by `||`). test/unit/engines.spec.ts checks
// it against the semver package. Exit 0 if satisfied; otherwise 1, with the range on stderr.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const parse = (text) => {
  const parts = text.split('.').map(Number);
  if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`bad version ${text}`);
  return parts;
};
const compare = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** Whether `version` (`x.y.z`) is in `range` (alternatives of `^x.y.z` or `>=x.y.z`, with x > 0). */
function satisfies(version, range) {
  const v = parse(version);
  return range.split('||').some((alternative) => {
    const m = /^\s*(\^|>=)(\d+\.\d+\.\d+)\s*$/.exec(alternative);
    if (!m) throw new Error(`unsupported range part '${alternative.trim()}' in '${range}'`);
    const min = parse(m[2]);
    if (compare(v, min) < 0) return false;
    return m[1] === '>=' || v[0] === min[0];
  });
}

module.exports = { satisfies };

if (require.main === module) {
  const range = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).engines.node;
  const version = process.argv[2] ?? process.versions.node;
  if (!satisfies(version, range)) {
    process.stderr.write(`Node.js ${range} is required (found ${version}).\n`);
    process.exit(1);
  }
}
