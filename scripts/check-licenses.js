#!/usr/bin/env node
/*
 * Fails when the production dependency closure of any package under plugins/
 * holds a package whose licence is not permissive: GPL, AGPL, LGPL, SSPL, a
 * licence nobody can read, or none at all. The suite is Apache-2.0, like
 * Backstage, and a plugin is installed into every backend or app that adds it.
 *
 * The judging is licensee's (https://github.com/jslicense/licensee.js,
 * Apache-2.0): SPDX expressions, npm's known metadata corrections, and the
 * Blue Oak Council's list of permissive licences. This script only narrows
 * what it judges to each plugin's production closure: the packages reached
 * from the plugin through dependencies, optional and peer dependencies (not
 * devDependencies), as npm's Arborist resolves them in the installed tree.
 *
 * The allow-list beyond Blue Oak's permissive licences is
 * scripts/licenses.json (each entry says why).
 *
 * Usage: node scripts/check-licenses.js [--verbose]
 */
const fs = require('node:fs');
const path = require('node:path');
const licensee = require('licensee');

const root = path.resolve(__dirname, '..');
const allow = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'licenses.json'), 'utf8'),
);
const verbose = process.argv.includes('--verbose');

const plugins = fs
  .readdirSync(path.join(root, 'plugins'), { withFileTypes: true })
  .filter(d => d.isDirectory())
  .map(d => path.join(root, 'plugins', d.name))
  .filter(dir => fs.existsSync(path.join(dir, 'package.json')));

const PRODUCTION = new Set(['prod', 'optional', 'peer', 'peerOptional']);

/** Every package reached from a workspace node by production edges. */
function closureOf(start) {
  const seen = new Set();
  const queue = [start];
  while (queue.length) {
    const node = queue.pop();
    const real = node.isLink ? node.target : node;
    if (!real || seen.has(real)) continue;
    seen.add(real);
    for (const edge of real.edgesOut.values()) {
      if (PRODUCTION.has(edge.type) && edge.to) queue.push(edge.to);
    }
  }
  seen.delete(start.isLink ? start.target : start);
  return seen;
}

const perPlugin = new Map();
const configuration = {
  licenses: { blueOak: 'bronze', spdx: allow.licenses.map(l => l.spdx) },
  packages: Object.fromEntries(allow.packages.map(p => [p.name, p.versions])),
  corrections: true,
  filterPackages(nodes) {
    const wanted = new Set();
    for (const dir of plugins) {
      const ws = nodes.find(
        n => n.isLink && n.realpath === fs.realpathSync(dir),
      );
      if (!ws)
        throw new Error(`${dir} is not a workspace of the installed tree`);
      const closure = closureOf(ws);
      perPlugin.set(path.relative(root, dir), closure);
      for (const n of closure) wanted.add(n);
    }
    return nodes.filter(n => wanted.has(n));
  },
};

licensee(configuration, root, (error, results) => {
  if (error) {
    console.error(`licences: ${error.message}`);
    process.exit(2);
  }
  const refused = results.filter(r => !r.approved);
  const key = r => `${r.name}@${r.version}`;
  const refusedKeys = new Set(refused.map(key));
  let total = 0;
  for (const [plugin, closure] of perPlugin) {
    const names = [...closure].map(n => `${n.packageName}@${n.version}`);
    total += names.length;
    const bad = names.filter(n => refusedKeys.has(n));
    if (verbose || bad.length) {
      console.log(
        `${plugin}: ${names.length} production packages${
          bad.length ? `, ${bad.length} refused` : ''
        }`,
      );
    }
    for (const b of bad) {
      const r = refused.find(x => key(x) === b);
      console.log(`  ${b}: ${r.license || 'no licence'}`);
    }
  }
  if (refused.length) {
    console.log(
      `licences: FAILED — ${refused.length} package(s) in plugins' production dependencies are not under a permissive licence (allow-list: scripts/licenses.json)`,
    );
    process.exit(1);
  }
  console.log(
    `licences: ok — ${results.length} distinct packages in the production dependencies of ${perPlugin.size} plugins (${total} with repeats), all permissive`,
  );
});
