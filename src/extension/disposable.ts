/**
 * Disposables in the style of vscode-hexeditor's dispose.ts: a base class that collects what it owns,
 * and a holder whose setter disposes the previous value (the current sampling run lives in one).
 * No vscode import: anything with dispose() fits.
 */
export interface IDisposable {
  dispose(): void;
}

export abstract class Disposable implements IDisposable {
  private readonly owned: IDisposable[] = [];
  private disposedFlag = false;

  get isDisposed(): boolean {
    return this.disposedFlag;
  }

  /** Dispose `d` together with this object (at once if this one is already disposed). */
  protected register<T extends IDisposable>(d: T): T {
    if (this.disposedFlag) d.dispose();
    else this.owned.push(d);
    return d;
  }

  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    for (const d of this.owned.splice(0).reverse()) {
      try {
        d.dispose();
      } catch {
        // one failing disposable must not keep the others alive
      }
    }
  }
}

/** Holds at most one disposable; setting a new value disposes the old one. */
export class MutableDisposable<T extends IDisposable> implements IDisposable {
  private current: T | undefined;

  get value(): T | undefined {
    return this.current;
  }

  set value(next: T | undefined) {
    if (this.current === next) return;
    const previous = this.current;
    this.current = next;
    previous?.dispose();
  }

  /** Forget the value without disposing it (it ended by itself). */
  clearIf(value: T): void {
    if (this.current === value) this.current = undefined;
  }

  dispose(): void {
    this.value = undefined;
  }
}
