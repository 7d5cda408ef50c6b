#!/usr/bin/env node
/**
 * npm records an optional platform binary in package-lock.json only if the registry it installed
 * from serves it. Where a registry mirror serves only this platform's binaries (as on the project's
 * build machines), the lock misses the others and `npm ci` refuses it as out of sync. This adds
 * each missing optional platform package as an entry with its version, os and cpu, which is all
 * `npm ci` needs to skip it on other platforms. Run after `npm install` changes the lock.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;
const OS = ['darwin', 'linux', 'win32', 'freebsd', 'android', 'openharmony', 'sunos', 'openbsd', 'netbsd', 'aix'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el', 'wasm32'];

let added = 0;
for (const [location, entry] of Object.entries(packages)) {
  for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = location ? `${location}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[base] || packages[`node_modules/${name}`]) continue;
    const parts = name.split('/').pop().split('-');
    const os = parts.find((p) => OS.includes(p));
    const cpu = parts.find((p) => CPU.includes(p)) ?? (parts.includes('x64') ? 'x64' : undefined);
    if (!os || !cpu) continue; // not a platform binary: leave it to npm
    packages[`node_modules/${name}`] = {
      version: range.replace(/^[\^~=]/, ''),
      cpu: [cpu],
      license: entry.license,
      optional: true,
      os: [os],
      ...(entry.peer ? { peer: true } : {}),
      ...(entry.dev ? { dev: true } : {}),
    };
    added += 1;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} platform package(s) recorded`);
