/**
 * The `PNDM` log output channel (Output panel → PNDM): model facts, the provider in use, timings and
 * errors. One channel for the extension, created at activation and disposed with it.
 */
import * as vscode from 'vscode';

export type LogLevel = 'info' | 'warn' | 'error';
export type Log = (level: LogLevel, message: string) => void;

export function createLog(): { log: Log; channel: vscode.LogOutputChannel } {
  const channel = vscode.window.createOutputChannel('PNDM', { log: true });
  const log: Log = (level, message) => {
    try {
      switch (level) {
        case 'info':
          channel.info(message);
          break;
        case 'warn':
          channel.warn(message);
          break;
        case 'error':
          channel.error(message);
          break;
      }
    } catch {
      // "Channel has been closed": the extension is deactivating and the worker's last lines come late
    }
  };
  return { log, channel };
}
