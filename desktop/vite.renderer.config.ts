import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The renderer on its own, for the headless host and Chromium tests (`npm run build:renderer`).
 * electron.vite.config.ts builds the same renderer for Electron.
 */
export default defineConfig({
  root: 'src/renderer',
  base: './',
  plugins: [react()],
  resolve: { conditions: ['source'] },
  build: { outDir: '../../out/renderer', emptyOutDir: true },
});
