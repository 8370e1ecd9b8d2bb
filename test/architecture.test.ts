import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { importViolations } from "../scripts/check-imports.js";

async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "imports-"));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

describe("the import graph", () => {
  test("of src/ has no import that runs up a floor and no loop", () => {
    assert.deepEqual(
      importViolations("src").map((violation) => violation.message),
      [],
    );
  });

  test("check names an upward import, a loop through type-only imports, and a folder on no floor", async () => {
    const root = await tree({
      "catalog/a.ts": 'import { x } from "../cli/main.js";\nexport const a = x;\n',
      "cli/main.ts": "export const x = 1;\n",
      "promql/b.ts": 'import type { C } from "./c.js";\nexport type B = C;\n',
      "promql/c.ts": 'import type { B } from "./b.js";\nexport type C = B | number;\n',
      "attic/old.ts": "export const old = 1;\n",
    });
    try {
      const messages = importViolations(root).map((violation) => violation.message);
      assert.ok(
        messages.some((message) => /src\/catalog\/a\.ts \(floor 1\) imports src\/cli\/main\.ts \(floor \d\), a higher floor/.test(message)),
        messages.join("\n"),
      );
      assert.ok(messages.includes("these files import each other in a loop: src/promql/b.ts, src/promql/c.ts"), messages.join("\n"));
      assert.ok(
        messages.some((message) => message.startsWith("src/attic/old.ts is on no floor")),
        messages.join("\n"),
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
