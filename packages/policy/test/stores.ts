import { migrate, openPglite, openPostgres, type Store } from '@mcpgate/audit';
import { pgSchema, type PgDatabase } from '@mcpgate/testkit';

/** A migrated store of each kind: the embedded PGlite and a real Postgres database (fails loudly without one). */
export interface TestStore {
  readonly store: Store;
  close(): Promise<void>;
}

export async function pgliteStore(): Promise<TestStore> {
  const store = await openPglite();
  await migrate(store);
  return { store, close: () => store.close() };
}

export async function postgresStore(
  prefix: string,
): Promise<TestStore & { db: PgDatabase; open(): Promise<Store> }> {
  const db = await pgSchema(prefix);
  const opened: Store[] = [];
  const open = async (): Promise<Store> => {
    const s = await openPostgres({ url: db.url });
    opened.push(s);
    return s;
  };
  const store = await open();
  await migrate(store);
  return {
    store,
    db,
    open,
    async close() {
      for (const s of opened) await s.close();
      await db.drop();
    },
  };
}
