import { describe, expect, it } from 'vitest';
import { findShellMetachar } from '../src/detect/shell.js';
import { findDestructiveSql } from '../src/detect/sql.js';

describe('destructive SQL', () => {
  const flagged: [string, string][] = [
    ['DROP TABLE users', 'DROP'],
    ['drop table users', 'DROP'],
    ['  DrOp   TABLE users', 'DROP'],
    ['SELECT 1; DROP TABLE users', 'DROP'],
    ['SELECT 1;\n-- harmless comment\nTRUNCATE users', 'TRUNCATE'],
    ['/* note */ ALTER TABLE users ADD COLUMN x int', 'ALTER'],
    ['DELETE FROM users', 'DELETE without WHERE'],
    ['delete from users -- WHERE id = 1', 'DELETE without WHERE'],
    ['DELETE FROM users /* WHERE id = 1 */', 'DELETE without WHERE'],
    ['UPDATE users SET admin = true', 'UPDATE without WHERE'],
    ['UPDATE users SET admin = true WHERE 1=1', 'UPDATE with an always-true WHERE'],
    ["DELETE FROM users WHERE 'a' = 'a'", 'DELETE with an always-true WHERE'],
    ['DELETE FROM users WHERE true', 'DELETE with an always-true WHERE'],
    ['WITH gone AS (DELETE FROM users RETURNING *) SELECT count(*) FROM gone', 'DELETE without WHERE'],
    ['DELETE FROM t USING (SELECT id FROM u WHERE x) s', 'DELETE without WHERE'],
    ['SELECT 1 /*!50000 ; DROP TABLE users */', 'DROP'],
    // Backslash reading (MySQL): the string ends later, and DROP is outside it.
    ["SELECT 'x\\''; DROP TABLE t; -- '", 'DROP'],
    ['grant all on users to public', 'GRANT'],
  ];
  for (const [sql, why] of flagged) {
    it(`flags ${JSON.stringify(sql)}`, () => expect(findDestructiveSql(sql)).toBe(why));
  }
  const clean = [
    'SELECT * FROM users WHERE id = 1',
    "SELECT 'DROP TABLE users' AS text",
    'SELECT "drop" FROM t',
    'SELECT $$ DELETE FROM users $$',
    'SELECT $tag$ TRUNCATE x $tag$',
    'DELETE FROM users WHERE id = 42',
    'UPDATE users SET name = $1 WHERE id = $2',
    'SELECT drop_count, updated_at FROM stats',
    'SELECT * FROM t FOR UPDATE',
    'SELECT 1 -- DROP TABLE users',
    'SELECT 1 /* DROP TABLE users */',
    'DR/**/OP TABLE users', // two words to the database: a syntax error, not a DROP
  ];
  for (const sql of clean) {
    it(`passes ${JSON.stringify(sql)}`, () => expect(findDestructiveSql(sql)).toBeUndefined());
  }
  it('write mode flags any writing statement', () => {
    expect(findDestructiveSql('INSERT INTO t VALUES (1)', 'write')).toBe('INSERT');
    expect(findDestructiveSql('DELETE FROM t WHERE id = 1', 'write')).toBe('DELETE');
    expect(findDestructiveSql('SELECT 1', 'write')).toBeUndefined();
  });
  it('is linear on hostile input', () => {
    const t0 = performance.now();
    findDestructiveSql(`${"'".repeat(100_000)}/*`.repeat(3));
    findDestructiveSql('('.repeat(100_000) + 'DELETE');
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});

describe('shell metacharacters', () => {
  for (const s of [
    'ls; rm -rf /',
    'a && b',
    'a | b',
    'echo `id`',
    'echo $(id)',
    'a > /etc/x',
    'a\nb',
    'rm *',
    "it's",
  ]) {
    it(`flags ${JSON.stringify(s)}`, () => expect(findShellMetachar(s)).toBeDefined());
  }
  for (const s of ['ls -la /srv/data', 'git status', 'npm run build --if-present']) {
    it(`passes ${JSON.stringify(s)}`, () => expect(findShellMetachar(s)).toBeUndefined());
  }
});
