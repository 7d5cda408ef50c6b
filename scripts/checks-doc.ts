/** Writes the catalogue's table into docs/checks.md (test/unit/core/checks/catalogue.test.ts fails when it is stale). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withChecksTable } from '../core/checks/doc';

const path = join(__dirname, '..', 'docs', 'checks.md');
writeFileSync(path, withChecksTable(readFileSync(path, 'utf8')));
