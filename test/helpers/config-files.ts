import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';

/** Loads `contents` as a config file (written to a fresh temporary folder), as `--config` does. */
export function loadConfigContents(contents: unknown) {
  const dir = mkdtempSync(path.join(tmpdir(), 'retrovue-config-'));
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(contents));
  return loadConfig({ config: file });
}

/** The message `contents` is refused with (a ConfigError); fails the test when it loads. */
export function configRefusal(contents: unknown): string {
  try {
    loadConfigContents(contents);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}
