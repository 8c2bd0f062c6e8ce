/**
 * The webview's link to the host and its persisted state. `acquireVsCodeApi` may be called once per
 * page; the state survives the panel being hidden and a window reload (the serializer hands it to the
 * host as well), so the controls and the last grid come back before the host has answered.
 */
import type { FromWebview, WebviewState } from '../src/protocol';

interface VsCodeApi {
  postMessage(message: FromWebview): void;
  getState(): unknown;
  setState(state: WebviewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

export function send(message: FromWebview): void {
  api.postMessage(message);
}

export function loadState(): WebviewState {
  const state = api.getState();
  return state && typeof state === 'object' ? (state as WebviewState) : {};
}

/** Merge `patch` into the saved state. */
export function saveState(patch: Partial<WebviewState>): void {
  api.setState({ ...loadState(), ...patch });
}
