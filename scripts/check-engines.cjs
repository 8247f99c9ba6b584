/**
 * Which installed packages declare a Node range (`engines.node`) that a supported Node does not
 * satisfy: what `npm ci` reports as EBADENGINE. Usage: `node scripts/check-engines.cjs
 * [version...]` (default: the running Node); exits 1 naming each offender. `.ci/run` runs it
 * on each Node it tests; test/engines.e2e-spec.ts checks the lowest of each supported major. Reads the lockfile
 * and checks only the packages installed under node_modules (optional ones npm skipped for
 * this platform, e.g. another OS's binaries, never warn).
 */
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const semver = require('semver');

const root = join(__dirname, '..');

/** `name@version needs <range>` for each installed package that `version` does not satisfy. */
function engineMismatches(nodeVersion) {
  const lock = require(join(root, 'package-lock.json'));
  const problems = [];
  for (const [path, meta] of Object.entries(lock.packages)) {
    const range = meta.engines?.node;
    if (!path || !range || !existsSync(join(root, path, 'package.json'))) continue;
    if (!semver.satisfies(nodeVersion, range, { includePrerelease: true })) {
      problems.push(`${path.replace(/^.*node_modules\//, '')}@${meta.version} needs node ${range}`);
    }
  }
  return problems;
}

/** The lowest version of a major release that `range` accepts (`'22.13.0'`), or null. */
function lowestAllowed(range, major) {
  if (semver.satisfies(`${major}.0.0`, range)) return `${major}.0.0`;
  const lows = range
    .split('||')
    .map((part) => semver.minVersion(part))
    .filter((v) => v && v.major === major && semver.satisfies(v, range))
    .sort(semver.compare);
  return lows[0]?.version ?? null;
}

module.exports = { engineMismatches, lowestAllowed };

if (require.main === module) {
  const versions = process.argv.slice(2);
  let failed = false;
  for (const version of versions.length ? versions : [process.version]) {
    const problems = engineMismatches(version);
    for (const problem of problems) console.error(`Node ${version}: ${problem}`);
    failed ||= problems.length > 0;
  }
  process.exit(failed ? 1 : 0);
}
