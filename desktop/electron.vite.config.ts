import react from '@vitejs/plugin-react';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';

/** Electron build: main and preload (Node, deps external), renderer (same code as the host's). */
export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin({ exclude: ['@vigilo/shared'] })],
    resolve: { conditions: ['source'] },
    build: { rollupOptions: { input: 'src/main/index.ts' } },
  },
  preload: {
    plugins: [externalizeDepsPlugin()],
    build: {
      rollupOptions: {
        input: 'src/preload/index.ts',
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src/renderer',
    plugins: [react()],
    resolve: { conditions: ['source'] },
    build: { rollupOptions: { input: 'src/renderer/index.html' } },
  },
});
