/**
 * At most one item per `intervalMs` goes on to `deliver`: an item that comes too soon waits for its
 * slot (a newer one replacing it). The final item is never dropped — it takes the waiting item's place
 * and `finished` resolves once it has been delivered. So the panel gets ≤ 1000/intervalMs frames in any
 * second and always the last one. No vscode import.
 */
export class FrameThrottle<T> {
  private last = -Infinity;
  private waiting: T | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private resolveFinished!: () => void;
  /** Resolves when the final item has been delivered. */
  readonly finished = new Promise<void>((resolve) => (this.resolveFinished = resolve));
  /** Items delivered, and the shortest gap between two deliveries (for measurements). */
  delivered = 0;
  minGapMs = Infinity;

  constructor(
    private readonly intervalMs: number,
    private readonly deliver: (item: T) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  push(item: T, final = false): void {
    if (this.closed) return;
    if (final) this.closed = true; // nothing is accepted after the final item
    const wait = this.last + this.intervalMs - this.now();
    if (wait <= 0 && this.timer === undefined) {
      this.send(item, final);
      return;
    }
    this.waiting = item;
    // +1 ms: Node's timers count whole milliseconds and may fire a fraction early
    this.timer ??= setTimeout(() => this.sendWaiting(), Math.ceil(Math.max(wait, 0)) + 1);
  }

  /** Drop anything waiting; nothing more is delivered. */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting = undefined;
    this.closed = true;
    this.resolveFinished();
  }

  private sendWaiting(): void {
    this.timer = undefined;
    const next = this.waiting;
    this.waiting = undefined;
    if (next !== undefined) this.send(next, this.closed);
  }

  private send(item: T, final: boolean): void {
    const now = this.now();
    if (this.delivered > 0) this.minGapMs = Math.min(this.minGapMs, now - this.last);
    this.last = now;
    this.delivered++;
    try {
      this.deliver(item);
    } finally {
      if (final) this.resolveFinished();
    }
  }
}
