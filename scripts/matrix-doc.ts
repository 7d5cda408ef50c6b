/** Writes the IAM matrix tables into docs/security.md (test/unit/security/iam-matrix.test.ts fails when they are stale). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withMatrixTables } from '../test/unit/security/matrix-doc';

const path = join(__dirname, '..', 'docs', 'security.md');
writeFileSync(path, withMatrixTables(readFileSync(path, 'utf8')));
