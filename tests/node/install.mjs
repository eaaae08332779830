// Installs the pinned npm packages (npm ci, from package-lock.json) when node_modules is missing or
// older than the lock file. CTest runs it before the conformance tests.

import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const marker = join(here, "node_modules", ".package-lock.json");
const lock = join(here, "package-lock.json");
if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) {
  console.log("npm packages are up to date");
} else {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  execFileSync(npm, ["ci", "--no-audit", "--no-fund"], { cwd: here, stdio: "inherit" });
}
