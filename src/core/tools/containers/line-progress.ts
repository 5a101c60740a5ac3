import { utf8ByteLength } from "../../podman/bounded-text.js";

export interface LineProgressLimits {
  /** Lines wait this long for company before they are sent. */
  flushMs: number;
  /** A batch this large goes at once. */
  maxBatchBytes: number;
  /** Past this much streamed text, later lines are only counted: the final answer has the last ones. */
  budgetBytes: number;
}

export const DEFAULT_LINE_PROGRESS: LineProgressLimits = {
  flushMs: 100,
  maxBatchBytes: 16 * 1024,
  budgetBytes: 1024 * 1024,
};

/** One progress notification: its text and the lines streamed so far, which only grows. */
export type SendProgress = (message: string, streamedLines: number) => Promise<void>;

/**
 * Streams log lines to the client as progress notifications, a batch at a
 * time so a chatty container costs few messages, in order, within a budget.
 */
export class LineProgress {
  readonly #send: SendProgress;
  readonly #limits: LineProgressLimits;
  #pending: string[] = [];
  #pendingBytes = 0;
  #sentBytes = 0;
  #streamed = 0;
  #withheld = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #queue: Promise<void> = Promise.resolve();

  constructor(send: SendProgress, limits: LineProgressLimits = DEFAULT_LINE_PROGRESS) {
    this.#send = send;
    this.#limits = limits;
  }

  /** Lines sent as notifications. */
  get streamedLines(): number {
    return this.#streamed;
  }

  /** Lines left out of the notifications once the budget was spent. */
  get withheldLines(): number {
    return this.#withheld;
  }

  add(line: string): void {
    if (this.#withheld > 0) {
      this.#withheld++;
      return;
    }
    const bytes = utf8ByteLength(line) + 1;
    if (this.#sentBytes + this.#pendingBytes + bytes > this.#limits.budgetBytes) {
      this.flush();
      this.#withheld = 1;
      this.#enqueue(
        `[streamed ${this.#limits.budgetBytes} bytes of log lines: later lines are left out of ` +
          "these notifications; the answer holds the last ones]",
        this.#streamed + 1,
      );
      return;
    }
    this.#pending.push(line);
    this.#pendingBytes += bytes;
    if (this.#pendingBytes >= this.#limits.maxBatchBytes) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.#limits.flushMs);
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    this.#streamed += this.#pending.length;
    this.#sentBytes += this.#pendingBytes;
    this.#enqueue(this.#pending.join("\n"), this.#streamed);
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  /** Sends what is pending and resolves once every notification went out. */
  async close(): Promise<void> {
    this.flush();
    await this.#queue;
  }

  #enqueue(message: string, progress: number) {
    // Chained, so notifications leave in the order their lines arrived.
    this.#queue = this.#queue.then(() => this.#send(message, progress)).catch(() => undefined);
  }
}
