// Bundles the control room (web/control/*.ts) into dist/web/control.js with esbuild:
// one file, no framework, nothing fetched at run time.
import { build } from 'esbuild';

await build({
  entryPoints: ['web/control/main.ts'],
  bundle: true,
  format: 'iife',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  outfile: 'dist/web/control.js',
  logLevel: 'warning',
});
