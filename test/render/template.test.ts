import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { renderTemplate, renderTemplateCollecting, type TemplateValue } from "../../src/render/template.js";
import { isUserError } from "../../src/errors.js";

const values = (entries: Record<string, string | undefined | TemplateValue>): Map<string, TemplateValue> =>
  new Map(Object.entries(entries).map(([name, value]) => [name, typeof value === "object" ? value : { value }]));

const yaml = { fileName: "templates/t.yml.template", format: "yaml" } as const;

function renderError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    assert.ok(isUserError(error));
    return error.message;
  }
  assert.fail("expected a UserError");
}

describe("renderTemplate", () => {
  test("renders $job, $datasource, ${__rate_interval}, {{ $labels.instance }}, $1 and $$ untouched while replacing VLLM_TARGET", () => {
    const template = [
      'expr: rate(x{job="$job"}[${__rate_interval}]) / $__interval  # $datasource',
      "summary: '{{ $labels.instance }} is down'",
      "replacement: $1 and $$ and $$VLLM_TARGET and ${VLLM_TARGET:-x} and $VLLM_TARGETS",
      "target: ${VLLM_TARGET}",
      "again: $VLLM_TARGET",
    ].join("\n");
    const out = renderTemplate(template, values({ VLLM_TARGET: "h:8000" }), yaml);
    assert.equal(
      out,
      [
        'expr: rate(x{job="$job"}[${__rate_interval}]) / $__interval  # $datasource',
        "summary: '{{ $labels.instance }} is down'",
        "replacement: $1 and $$ and $$VLLM_TARGET and ${VLLM_TARGET:-x} and $VLLM_TARGETS",
        "target: h:8000",
        "again: h:8000",
      ].join("\n"),
    );
  });

  test("substitutes in a single pass: a value holding ${X} is not expanded again", () => {
    const out = renderTemplate('a: "${A}"\nb: ${B}', values({ A: "${B}", B: "$A" }), yaml);
    assert.deepEqual(parseYaml(out), { a: "${B}", b: "$A" });
  });

  test("keeps a whole plain scalar plain when it is safe and quotes it when it is not", () => {
    const out = renderTemplate("a: ${A}\nb: ${B}\nlist: [${A}, ${C}]\n", values({ A: "/metrics", B: "x: y # z", C: "p,q]" }), yaml);
    assert.match(out, /^a: \/metrics$/m);
    assert.deepEqual(parseYaml(out), { a: "/metrics", b: "x: y # z", list: ["/metrics", "p,q]"] });
  });

  for (const hostile of ['a"b: c', "a\nb: injected", "x' ]: {y: 1}", "- z\n- w", "#not a comment", "*alias", "tab\tand\\back"]) {
    test(`does not let ${JSON.stringify(hostile)} change the YAML structure`, () => {
      const template = 'whole: ${V}\ndouble: "pre ${V} post"\nflow: [${V}]\nnext: 1\n';
      const out = renderTemplate(template, values({ V: hostile }), yaml);
      assert.deepEqual(parseYaml(out), { whole: hostile, double: `pre ${hostile} post`, flow: [hostile], next: 1 });
    });
  }

  test("doubles single quotes inside a single-quoted scalar", () => {
    const out = renderTemplate("a: 'it ${V} ok'\n", values({ V: "'s fine" }), yaml);
    assert.deepEqual(parseYaml(out), { a: "it 's fine ok" });
  });

  test("rejects a line break where it cannot be escaped, naming file:line and the variable but not a secret value", () => {
    const text = "a: 'x ${V}'\n# note: ${V}\nb: http://host:${V}/x\n";
    const message = renderError(() => renderTemplate(text, values({ V: { value: "s3cret\nz: 1", secret: true } }), yaml));
    assert.match(message, /templates\/t\.yml\.template:1: the value of V \(hidden\) contains a line break/);
    assert.match(message, /templates\/t\.yml\.template:2: the value of V \(hidden\) contains a line break/);
    assert.match(message, /templates\/t\.yml\.template:3: the value of V \(hidden\) holds characters that cannot stand unquoted/);
    assert.doesNotMatch(message, /s3cret/);
  });

  test("reports every whitelisted variable without a value, with file:line, all at once", () => {
    const result = renderTemplateCollecting(
      "a: ${A}\nb: 1\nc: $B and ${A}\n",
      values({ A: undefined, B: { value: undefined, hint: "set B in .env" } }),
      yaml,
    );
    assert.deepEqual(result.problems, [
      "templates/t.yml.template:1: A has no value",
      "templates/t.yml.template:3: B has no value; set B in .env",
      "templates/t.yml.template:3: A has no value",
    ]);
  });

  test("inserts a trusted value verbatim and only when asked", () => {
    const out = renderTemplate(
      "auth: ${AUTH}\ntext: ${TEXT}\n",
      values({ AUTH: { value: '{"type":"Bearer"}', trusted: true }, TEXT: '{"type":"Bearer"}' }),
      yaml,
    );
    assert.deepEqual(parseYaml(out), { auth: { type: "Bearer" }, text: '{"type":"Bearer"}' });
  });

  test("escapes for a JSON string and quotes a non-number outside one", () => {
    const json = { fileName: "templates/t.json.template", format: "json" } as const;
    const out = renderTemplate('{"a": "pre ${V} post", "n": ${N}, "s": ${V}, "keep": "$job"}', values({ V: 'q"\n\\', N: "3000" }), json);
    assert.deepEqual(JSON.parse(out), { a: 'pre q"\n\\ post', n: 3000, s: 'q"\n\\', keep: "$job" });
  });

  test("keeps CRLF line endings and counts lines across them", () => {
    const result = renderTemplateCollecting("a: 1\r\nb: ${A}\r\nc: ${B}\r\n", values({ A: "x", B: undefined }), yaml);
    assert.equal(result.text, "a: 1\r\nb: x\r\nc: ${B}\r\n");
    assert.deepEqual(result.problems, ["templates/t.yml.template:3: B has no value"]);
  });
});
