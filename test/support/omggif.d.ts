// The part of omggif 1.0.10 (no types of its own) the tests use to decode the GIFs the extension writes.
declare module 'omggif' {
  export class GifReader {
    constructor(buffer: Uint8Array);
    readonly width: number;
    readonly height: number;
    numFrames(): number;
    loopCount(): number | null;
    frameInfo(index: number): { delay: number; width: number; height: number };
    decodeAndBlitFrameRGBA(index: number, pixels: Uint8Array): void;
  }
}
