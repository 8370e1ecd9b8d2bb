import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseEnvFile } from "../../src/config/env-file.js";
import { ENV_NAMES } from "../../src/config/schema.js";

const valuesOf = (text: string): Record<string, string> =>
  Object.fromEntries(parseEnvFile(text, ".env").entries.map((entry) => [entry.name, entry.value]));

describe("parseEnvFile", () => {
  test("reads the seed's example line with its inline comment as SCHEMA=https", () => {
    const seed = [
      "# Grafana admin",
      "ADMIN_USER=admin",
      "ADMIN_PASSWORD=changeme-please",
      "",
      "VLLM_TARGET=",
      "SCHEMA=https  # Use 'https' for remote endpoints, 'http' for local",
      "VLLM_METRICS_AUTH_TOKEN=",
      "GRAFANA_PORT=3000",
      "",
    ].join("\n");
    const parsed = parseEnvFile(seed, ".env");
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(
      parsed.entries.map((entry) => [entry.name, entry.value, entry.line]),
      [
        ["ADMIN_USER", "admin", 2],
        ["ADMIN_PASSWORD", "changeme-please", 3],
        ["VLLM_TARGET", "", 5],
        ["SCHEMA", "https", 6],
        ["VLLM_METRICS_AUTH_TOKEN", "", 7],
        ["GRAFANA_PORT", "3000", 8],
      ],
    );
  });

  test("reads .env_example without problems and finds every declared variable in it, set or commented out", () => {
    const text = readFileSync(".env_example", "utf8");
    const parsed = parseEnvFile(text, ".env_example");
    assert.deepEqual(parsed.problems, []);
    const names = new Set([
      ...parsed.entries.map((entry) => entry.name),
      ...[...text.matchAll(/^# ([A-Z_]+)=/gm)].map((match) => match[1]),
    ]);
    for (const name of ENV_NAMES) assert.ok(names.has(name), `.env_example does not document ${name}`);
    assert.equal(valuesOf(text).SCHEMA, "http", "the example's scheme is the default, so a local http vLLM works");
  });

  test("takes single quotes literally and keeps # and $ inside them", () => {
    assert.deepEqual(valuesOf(`A='x # not a comment $HOME \\n'  # comment`), { A: "x # not a comment $HOME \\n" });
  });

  test('unescapes \\n, \\" and \\\\ inside double quotes', () => {
    assert.deepEqual(valuesOf(`A="line1\\nline2 \\"q\\" back\\\\slash"`), { A: 'line1\nline2 "q" back\\slash' });
  });

  test("strips an export prefix, spaces around = and CRLF line endings", () => {
    const parsed = parseEnvFile("export A=1\r\n  export   B = two words \r\nC=3\r\n", ".env");
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(
      parsed.entries.map((entry) => [entry.name, entry.value, entry.line]),
      [
        ["A", "1", 1],
        ["B", "two words", 2],
        ["C", "3", 3],
      ],
    );
  });

  test("keeps a # that does not follow whitespace and drops one that does", () => {
    assert.deepEqual(valuesOf("A=abc#def\nB=abc #def\nC= # only a comment\n"), { A: "abc#def", B: "abc", C: "" });
  });

  test("reads a double-quoted value across lines and numbers the next entry correctly", () => {
    const parsed = parseEnvFile('A="one\ntwo"\nB=3\n', ".env");
    assert.deepEqual(
      parsed.entries.map((entry) => [entry.name, entry.value, entry.line]),
      [
        ["A", "one\ntwo", 1],
        ["B", "3", 3],
      ],
    );
  });

  test("reports every malformed line with file:line and never echoes the line's text", () => {
    const parsed = parseEnvFile(
      "GOOD=1\nthis is not an assignment s3cr3t\n1BAD=x\nTOKEN 's3cr3t'\nQ='unterminated s3cr3t\n",
      "config/.env",
    );
    assert.equal(parsed.problems.length, 4);
    assert.match(parsed.problems[0] ?? "", /^config\/\.env:2: /);
    assert.match(parsed.problems[1] ?? "", /^config\/\.env:3: /);
    assert.match(parsed.problems[2] ?? "", /^config\/\.env:4: TOKEN has no "="/);
    assert.match(parsed.problems[3] ?? "", /^config\/\.env:5: the value of Q opens a single quote/);
    for (const problem of parsed.problems) assert.doesNotMatch(problem, /s3cr3t/);
    assert.deepEqual(
      parsed.entries.map((entry) => entry.name),
      ["GOOD"],
    );
  });

  test("rejects text after a closing quote", () => {
    const parsed = parseEnvFile("A='x' y\n", ".env");
    assert.equal(parsed.problems.length, 1);
    assert.match(parsed.problems[0] ?? "", /\.env:1: unexpected text after the closing quote of A/);
  });
});
