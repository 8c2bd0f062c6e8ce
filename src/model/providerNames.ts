/**
 * The execution providers a user can ask for, defined here in the model layer and re-exported by the
 * protocol (settings, panel dropdown, CLI --ep). No onnxruntime import: the webview bundles this file.
 */
export const PROVIDER_CHOICES = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'] as const;
export type ProviderChoice = (typeof PROVIDER_CHOICES)[number];
/** A provider a session actually runs on ('auto' resolved). */
export type ProviderName = Exclude<ProviderChoice, 'auto'>;
