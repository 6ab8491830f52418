/** Anything a test opens and must close: clients, sockets, nodes, servers. */
export interface Closable {
  close(): unknown;
}

/** Tracks what a suite opened and closes it all, newest first, ignoring errors of the already-closed. */
export class Resources {
  private readonly items: Closable[] = [];

  track<T extends Closable>(item: T): T {
    this.items.push(item);
    return item;
  }

  async closeAll(): Promise<void> {
    const items = this.items.splice(0).reverse();
    for (const item of items) {
      try {
        await item.close();
      } catch {
        // Already closed or never opened: nothing left to clean.
      }
    }
  }
}
