import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface Manifest {
  readonly name?: string;
  readonly version?: string;
  readonly engines?: { readonly node?: string };
}

function manifest(path: string): Manifest {
  return JSON.parse(readFileSync(path, "utf8")) as Manifest;
}

/** Every installed package (scoped ones too), top level and nested. */
function installedManifests(folder: string): { path: string; manifest: Manifest }[] {
  const found: { path: string; manifest: Manifest }[] = [];
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return found;
  }
  for (const name of names) {
    if (name.startsWith(".")) continue;
    const packages = name.startsWith("@")
      ? readdirSync(join(folder, name)).map((inner) => join(folder, name, inner))
      : [join(folder, name)];
    for (const dir of packages) {
      try {
        found.push({ path: dir, manifest: manifest(join(dir, "package.json")) });
      } catch {
        continue;
      }
      found.push(...installedManifests(join(dir, "node_modules")));
    }
  }
  return found;
}

/** The lowest major a range like ">=22", ">= 14.6" or "^14.21.3 || >=16" lets in. */
function lowestMajor(range: string): number {
  const majors = range.split("||").map((part) => Number(/(\d+)/.exec(part)?.[1] ?? "0"));
  return Math.min(...majors);
}

test("no installed dependency needs a newer Node than package.json's engines promise", () => {
  const promised = lowestMajor(manifest("package.json").engines?.node ?? "");
  assert.ok(promised >= 20, "package.json names a Node version");
  const tooNew = installedManifests("node_modules")
    .filter(({ manifest: item }) => item.engines?.node !== undefined && lowestMajor(item.engines.node) > promised)
    .map(({ manifest: item }) => `${item.name ?? "?"}@${item.version ?? "?"} needs node ${item.engines?.node ?? ""}`);
  assert.deepEqual(tooNew, [], `pin these to versions that run on Node ${promised}, or raise engines.node`);
});

test("no script stops a process by its name (pkill, killall): only by the pid it started", () => {
  const scripts = readdirSync("scripts").filter((name) => name.endsWith(".sh") || name.endsWith(".mjs"));
  const offenders = scripts.filter((name) =>
    /\b(pkill|killall)\b/.test(readFileSync(join("scripts", name), "utf8").replace(/^\s*#.*$/gm, "")),
  );
  assert.deepEqual(offenders, []);
});
