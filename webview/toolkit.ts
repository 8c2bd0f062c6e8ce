/**
 * The one place the webview UI toolkit (@vscode/webview-ui-toolkit 1.4.0) is registered. Only the
 * components the panel and the compare view use are defined. Do not load @vscode-elements/elements on the same page: it
 * defines the same tag names.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

export function registerToolkit(): void {
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox(), vsCodeDropdown(), vsCodeOption(), vsCodeTextField());
}
