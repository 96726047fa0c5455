import { ConfigError, loadConfig } from '../config/load.js';
import { ensureAdminToken, writeAdminToken } from '../server/access/admin-token.js';

export interface TokenFlags {
  config?: string;
  data?: string;
  rotate?: boolean;
  json?: boolean;
}

/**
 * `retrovue token`: prints the admin token (creating it if the server never ran), or with
 * `--rotate` replaces it. A running server reads the file when it changes, so the old token
 * stops working at once: every browser and script that had it must be given the new one.
 */
export function runTokenCommand(flags: TokenFlags): number {
  try {
    const config = loadConfig({ config: flags.config, data: flags.data });
    const { token, path, rotated } = flags.rotate
      ? { ...ensureAdminToken(config.data_dir), token: writeAdminToken(config.data_dir), rotated: true }
      : { ...ensureAdminToken(config.data_dir), rotated: false };
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ token, path, rotated })}\n`);
    } else {
      process.stdout.write(`${token}\n`);
      process.stderr.write(
        rotated
          ? `retrovue: new admin token written to ${path}; the old one no longer works (the running server picks this up at once).\n`
          : `retrovue: admin token from ${path}; send it as "Authorization: Bearer <token>", or paste it when the web control room asks.\n`,
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`retrovue token: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
