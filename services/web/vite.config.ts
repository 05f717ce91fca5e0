import { defineConfig } from "vite";

// Built into dist/ and served by services/web/server.py, which also forwards /api.
export default defineConfig({
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, target: "es2022" },
});
