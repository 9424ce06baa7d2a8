/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Built into dist/, which Django serves at / (config/urls.py): the app's assets under /static/app/.
export default defineConfig(({ command }) => ({
  plugins: [react()],
  // `npm run dev` serves the app at / (proxying the API to make run's server on :8000).
  base: command === "build" ? "/static/app/" : "/",
  build: { outDir: "dist", emptyOutDir: true, manifest: false },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/ws": { target: "ws://127.0.0.1:8000", ws: true },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    setupFiles: ["src/test/setup.ts"],
    // Each test's fake fetch and WebSocket (src/test/fakeApi.ts) go when it ends.
    unstubGlobals: true,
    testTimeout: 10_000,
  },
}));
