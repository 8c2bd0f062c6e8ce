/**
 * Reading the text a PNG carries, and the run recipe in it (src/runner/recipe.ts): iTXt (UTF-8, also
 * compressed), and tEXt (Latin-1) as PNGs saved before the recipe had one format used. For the CLI's
 * `--settings saved.png` and the panel's "open settings from PNG"; the bytes are untrusted.
 */
import { inflateSync } from 'node:zlib';
import { PNG_SIGNATURE } from './png';
import { RECIPE_KEYWORD } from './recipe';

/** Keywords older saves used for the settings: the CLI's tEXt `pndm.settings`, the panel's `pndm-settings`. */
const LEGACY_KEYWORDS = ['pndm-settings'];

export class PngTextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PngTextError';
  }
}

/** Every tEXt and iTXt entry, keyword → text (the first of a keyword wins). Throws PngTextError on a non-PNG. */
export function readPngText(bytes: Uint8Array): Record<string, string> {
  const png = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (png.length < 8 || !png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new PngTextError('it is not a PNG file');
  const text: Record<string, string> = {};
  let ended = false;
  for (let at = 8; !ended;) {
    if (at + 12 > png.length) throw new PngTextError('it ends before its IEND chunk (a truncated PNG)');
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (at + 12 + length > png.length) throw new PngTextError(`its ${type} chunk runs past the end of the file (a truncated PNG)`);
    const data = png.subarray(at + 8, at + 8 + length);
    const entry = type === 'iTXt' ? parseItxt(data) : type === 'tEXt' ? parseText(data) : undefined;
    if (entry && !(entry[0] in text)) text[entry[0]] = entry[1];
    ended = type === 'IEND';
    at += 12 + length;
  }
  return text;
}

/**
 * The recipe JSON object a PNG saved by `pndm sample` or the panel carries, unchecked (the caller
 * validates its keys and values). Throws PngTextError saying what is missing.
 */
export function readPngSettings(bytes: Uint8Array): Record<string, unknown> {
  const text = readPngText(bytes);
  const keyword = [RECIPE_KEYWORD, ...LEGACY_KEYWORDS].find((k) => k in text);
  if (keyword === undefined)
    throw new PngTextError(`it holds no ${RECIPE_KEYWORD} text: it was not saved by pndm sample or the PNDM panel`);
  let value: unknown;
  try {
    value = JSON.parse(text[keyword]);
  } catch (error) {
    throw new PngTextError(`its ${keyword} text is not JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new PngTextError(`its ${keyword} text is not a JSON object`);
  return value as Record<string, unknown>;
}

function parseText(data: Buffer): [string, string] | undefined {
  const nul = data.indexOf(0);
  return nul > 0 ? [data.toString('latin1', 0, nul), data.toString('latin1', nul + 1)] : undefined;
}

/** keyword NUL flag method language NUL translated-keyword NUL text (PNG spec 11.3.4.5). */
function parseItxt(data: Buffer): [string, string] | undefined {
  const nul = data.indexOf(0);
  if (nul <= 0 || nul + 3 > data.length) return undefined;
  const compressed = data[nul + 1] === 1;
  const language = data.indexOf(0, nul + 3);
  const translated = language < 0 ? -1 : data.indexOf(0, language + 1);
  if (translated < 0) return undefined;
  const body = data.subarray(translated + 1);
  try {
    return [data.toString('latin1', 0, nul), (compressed ? inflateSync(body) : body).toString('utf8')];
  } catch {
    return undefined; // a damaged compressed text is skipped like any unknown chunk
  }
}
