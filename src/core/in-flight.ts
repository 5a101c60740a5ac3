/** Counts running tool calls so a shutdown can let them finish. */
export class InFlightCalls {
  #running = 0;
  #waiters: (() => void)[] = [];

  get running() {
    return this.#running;
  }

  async track<T>(work: () => Promise<T>): Promise<T> {
    this.#running++;
    try {
      return await work();
    } finally {
      if (--this.#running === 0) for (const wake of this.#waiters.splice(0)) wake();
    }
  }

  /** Resolves once no call runs, or when the deadline passes; answers whether it drained. */
  idle(deadlineMs: number): Promise<boolean> {
    if (this.#running === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), deadlineMs);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
