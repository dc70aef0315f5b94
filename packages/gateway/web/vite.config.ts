import { defineConfig, type Plugin } from 'vite';

// The web app is built into web/dist, which the gateway serves; `vite --config web/vite.config.ts`
// runs a dev server that proxies the API (and its WebSocket) to a gateway on GATEWAY_URL or port 8000.
const webRoot = new URL('.', import.meta.url).pathname;
const gatewayUrl = globalThis.process?.env['GATEWAY_URL'] ?? 'http://127.0.0.1:8000';

/**
 * The policy the built page declares for itself: scripts, styles and connections only from the gateway's
 * own origin (WebSocket included), no inline code, no plugins. A header the gateway sends applies on top.
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

// Only in the build: the dev server injects styles inline, which this policy would block.
const declareContentSecurityPolicy: Plugin = {
  name: 'agent-mesh:content-security-policy',
  apply: 'build',
  transformIndexHtml: () => [
    {
      tag: 'meta',
      attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy },
      injectTo: 'head-prepend',
    },
  ],
};

export default defineConfig({
  root: webRoot,
  base: '/',
  publicDir: 'public',
  plugins: [declareContentSecurityPolicy],
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The polyfill is not needed by the browsers we support and keeps the entry free of extra code.
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: {
      '/api': { target: gatewayUrl, ws: true, changeOrigin: false },
      '/healthz': gatewayUrl,
    },
  },
});
