interface Waiting<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs the work of one key one batch at a time: the first item starts at once,
 * and the items that arrive while a batch of their key runs wait and go
 * together in the next one (at most `maxBatch`). Group commit for a hot key:
 * with one transaction per item, every item of a busy key would wait for the
 * row lock of the one before it.
 */
export class KeyedBatcher<Item, Result> {
  readonly #waiting = new Map<string, Array<Waiting<Item, Result>>>();
  readonly #running = new Set<string>();

  constructor(
    private readonly run: (key: string, items: Item[]) => Promise<Result[]>,
    private readonly maxBatch = 100,
  ) {}

  submit(key: string, item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      const waiting = this.#waiting.get(key);
      if (waiting) waiting.push({ item, resolve, reject });
      else this.#waiting.set(key, [{ item, resolve, reject }]);
      if (!this.#running.has(key)) void this.#next(key);
    });
  }

  async #next(key: string): Promise<void> {
    const waiting = this.#waiting.get(key);
    if (!waiting) return;
    const batch = waiting.splice(0, this.maxBatch);
    if (waiting.length === 0) this.#waiting.delete(key);
    this.#running.add(key);
    try {
      const results = await this.run(
        key,
        batch.map((entry) => entry.item),
      );
      for (const [index, entry] of batch.entries()) entry.resolve(results[index]!);
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      this.#running.delete(key);
      void this.#next(key);
    }
  }
}
