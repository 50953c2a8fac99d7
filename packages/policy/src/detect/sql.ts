/**
 * Destructive-SQL detection for query tools. A tokenizer (not a regex) skips string literals,
 * quoted identifiers and dollar quotes, drops comments (so `DR/**\/OP` is two words, as the
 * database sees it, and `--` hides nothing on the next line), keeps MySQL executable comments
 * (`/*! … *\/`) as code, and splits statements on `;`. Backslash escapes in strings differ by
 * database, so the text is tokenized both ways and flagged if either reading is destructive.
 */
export type SqlCheck = 'destructive' | 'write';

/** Always destructive: schema changes, data wipes, privilege changes. */
const ALWAYS = new Set(['DROP', 'TRUNCATE', 'ALTER', 'GRANT', 'REVOKE', 'RENAME', 'VACUUM', 'REINDEX']);
/** Destructive when not restricted by a (non-trivial) WHERE. */
const NEEDS_WHERE = new Set(['DELETE', 'UPDATE']);
/** Anything that writes (for `sql: write`), on top of the two sets above. */
const WRITES = new Set([
  'INSERT',
  'MERGE',
  'UPSERT',
  'REPLACE',
  'CREATE',
  'COPY',
  'CALL',
  'EXECUTE',
  'DO',
  'LOCK',
  'COMMENT',
  'SECURITY',
  'REFRESH',
  'CLUSTER',
  'IMPORT',
  'LOAD',
  'SET',
  'RESET',
  'DISCARD',
]);

type Token = string;

function tokenize(sql: string, backslashEscapes: boolean): Token[][] {
  const statements: Token[][] = [[]];
  const push = (t: Token): void => {
    statements[statements.length - 1]!.push(t);
  };
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
    } else if (c === '#') {
      // MySQL line comment; in Postgres `#` is an operator, and skipping a line loses no keyword
      // that a following line would not show again.
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
    } else if (c === '/' && next === '*') {
      if (sql[i + 2] === '!') {
        // MySQL runs the body of /*! … */: treat it as code.
        i += 3;
        while (i < n && /\d/.test(sql[i]!)) i++;
        continue;
      }
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (c === '*' && next === '/') {
      i += 2; // end of an executable comment
    } else if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(sql, i, c, backslashEscapes && c !== '`');
      push(c === "'" ? "'lit'" : 'IDENT');
    } else if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (m) {
        const end = sql.indexOf(m[0], i + m[0].length);
        i = end < 0 ? n : end + m[0].length;
        push("'lit'");
      } else {
        i++;
      }
    } else if (c === ';') {
      statements.push([]);
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$]/.test(sql[j]!)) j++;
      push(sql.slice(i, j).toUpperCase());
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[0-9.]/.test(sql[j]!)) j++;
      push(sql.slice(i, j));
      i = j;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      push(c);
      i++;
    }
  }
  return statements.filter((s) => s.length > 0);
}

function skipQuoted(sql: string, start: number, quote: string, backslash: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslash && c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/** WHERE clauses that restrict nothing: `WHERE 1=1`, `WHERE TRUE`, `WHERE 'a'='a'`, `WHERE NOT FALSE`. */
function trivialWhere(tokens: readonly Token[]): boolean {
  const stop = tokens.findIndex((t) => t === 'RETURNING' || t === 'LIMIT' || t === 'ORDER');
  const clause = stop < 0 ? tokens : tokens.slice(0, stop);
  const text = clause.join(' ');
  if (text === 'TRUE' || text === 'NOT FALSE' || text === '( TRUE )') return true;
  const orParts = text.split(' OR ');
  return orParts.some((p) => {
    const m = /^\(?\s*(\S+) = (\S+)\s*\)?$/.exec(p.trim());
    return m !== null && m[1] === m[2] && (m[1] === "'lit'" || /^\d/.test(m[1]!) || m[1] === 'TRUE');
  });
}

/** Index of the WHERE belonging to the clause at k (same parenthesis depth), or -1. */
function whereAtSameDepth(tokens: readonly Token[], k: number): number {
  let depth = 0;
  for (let j = k + 1; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (t === '(') depth++;
    else if (t === ')') {
      if (depth === 0) return -1; // the statement's own clause ended (DELETE inside a CTE)
      depth--;
    } else if (t === 'WHERE' && depth === 0) return j;
  }
  return -1;
}

/** `FOR UPDATE`, `DO UPDATE` (upsert), `ON DELETE` / `ON UPDATE` (foreign keys) touch no other rows. */
const NOT_A_STATEMENT_AFTER = new Set(['FOR', 'DO', 'ON']);

function statementFinding(tokens: readonly Token[], check: SqlCheck): string | undefined {
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (ALWAYS.has(t)) return t;
    if (NEEDS_WHERE.has(t) && !(k > 0 && NOT_A_STATEMENT_AFTER.has(tokens[k - 1]!))) {
      const where = whereAtSameDepth(tokens, k);
      if (where < 0) return `${t} without WHERE`;
      if (trivialWhere(tokens.slice(where + 1))) return `${t} with an always-true WHERE`;
      if (check === 'write') return t;
    }
    if (check === 'write' && WRITES.has(t)) return t;
  }
  return undefined;
}

/**
 * What makes this SQL destructive (e.g. `DROP`, `DELETE without WHERE`), or undefined.
 * `write` additionally flags any statement that changes data or state.
 */
export function findDestructiveSql(sql: string, check: SqlCheck = 'destructive'): string | undefined {
  for (const backslash of [false, true]) {
    for (const stmt of tokenize(sql, backslash)) {
      const f = statementFinding(stmt, check);
      if (f) return f;
    }
  }
  return undefined;
}
