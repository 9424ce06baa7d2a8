// Vitest setup for the component tests: globals are off, so Testing Library cannot register its
// own cleanup; unmount every rendered tree after each test here.
import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// findBy*/waitFor wait this long: a busy CI machine can take more than the default second.
configure({ asyncUtilTimeout: 4_000 });

afterEach(() => {
  cleanup();
});
