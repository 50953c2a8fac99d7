import { describe, expect, it } from 'vitest';
import { UnknownSessions } from '../../src/http/unknown-sessions.js';

describe('UnknownSessions (negative cache of session ids)', () => {
  it('remembers an id for its time limit only', () => {
    const c = new UnknownSessions(1000, 10);
    c.add('a', 0);
    expect(c.has('a', 999)).toBe(true);
    expect(c.has('a', 1000)).toBe(false);
    expect(c.size).toBe(0);
  });

  it('keeps at most `max` ids, dropping the oldest first', () => {
    const c = new UnknownSessions(60_000, 3);
    for (const [i, id] of ['a', 'b', 'c', 'd'].entries()) c.add(id, i);
    expect(c.size).toBe(3);
    expect(c.has('a', 10)).toBe(false);
    expect(['b', 'c', 'd'].every((id) => c.has(id, 10))).toBe(true);
    // Re-adding an id moves it to the back: it is now the newest.
    c.add('b', 20);
    c.add('e', 21);
    expect(c.has('c', 22)).toBe(false);
    expect(c.has('b', 22)).toBe(true);
  });

  it('drops expired ids when adding, so a flood leaves no stale entries behind', () => {
    const c = new UnknownSessions(100, 1000);
    for (let i = 0; i < 500; i++) c.add(`x${i}`, 0);
    c.add('late', 200);
    expect(c.size).toBe(1);
  });

  it('forgets an id a session was created under', () => {
    const c = new UnknownSessions();
    c.add('a');
    c.delete('a');
    expect(c.has('a')).toBe(false);
  });
});
