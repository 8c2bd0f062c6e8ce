/**
 * What the integration tests reach (activate's exports in test mode only): the current panel
 * controller, whose `handleMessage` is the very handler behind webview.onDidReceiveMessage and whose
 * `onDidPost` sees every message the webview is sent; and the services the panel was built with.
 */
import { ComparePanel } from './comparePanel';
import { SamplingPanel, type PanelServices } from './panel';

export interface PndmTestApi {
  readonly services: PanelServices;
  /** The open panel, if any. */
  panel(): SamplingPanel | undefined;
  /** The open compare view, if any. */
  comparePanel(): ComparePanel | undefined;
}

export function testApi(services: PanelServices): PndmTestApi {
  return { services, panel: () => SamplingPanel.current, comparePanel: () => ComparePanel.current };
}
