import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { checkAlertmanagerVersion } from "../../src/alerting/versions.js";
import { isUserError } from "../../src/errors.js";
import { runCli } from "../helpers/cli.js";

const run = promisify(execFile);
const AMTOOL = process.env.AMTOOL_BIN ?? "/usr/bin/amtool";
const SLACK_URL = "https://hooks.slack.com/services/T0000/B0000/slack-secret-in-test";
const PAGERDUTY_KEY = "pagerdutysecretkey0123456789abcd";
const SMTP_PASSWORD = "smtp-secret-in-test";

const BASE = { VLLM_TARGET: "127.0.0.1:8000", ADMIN_PASSWORD: "a-long-test-password" };
const CASES: Record<string, Record<string, string>> = {
  "only the dead man's switch": { ALERT_DEADMANS_URL: "https://hc-ping.com/0000" },
  "a webhook": { ALERT_WEBHOOK_URL: "http://127.0.0.1:9/hook" },
  "a webhook and Slack": { ALERT_WEBHOOK_URL: "http://127.0.0.1:9/hook", ALERT_SLACK_WEBHOOK_URL: SLACK_URL },
  "every destination": {
    ALERT_WEBHOOK_URL: "http://127.0.0.1:9/hook",
    ALERT_SLACK_WEBHOOK_URL: SLACK_URL,
    ALERT_PAGERDUTY_ROUTING_KEY: PAGERDUTY_KEY,
    ALERT_EMAIL_TO: "oncall@example.com,ml@example.com",
    ALERT_EMAIL_FROM: "alertmanager@example.com",
    ALERT_SMTP_HOST: "smtp.example.com:587",
    ALERT_SMTP_USERNAME: "alertmanager@example.com",
    ALERT_SMTP_PASSWORD: SMTP_PASSWORD,
    ALERT_DEADMANS_URL: "https://hc-ping.com/0000",
  },
  "pages routed to Slack only": {
    ALERT_SLACK_WEBHOOK_URL: SLACK_URL,
    ALERT_PAGERDUTY_ROUTING_KEY: PAGERDUTY_KEY,
    ALERT_ROUTE_CRITICAL: "slack",
    ALERT_ROUTE_WARNING: "none",
  },
};

interface Rendered {
  readonly dir: string;
  readonly output: string;
  readonly code: number;
}

async function render(root: string, name: string, variables: Record<string, string>, mode: "native" | "compose"): Promise<Rendered> {
  const dir = join(root, `${name.replace(/\W+/g, "-")}-${mode}`);
  const envFile = join(root, `${name.replace(/\W+/g, "-")}.env`);
  await writeFile(
    envFile,
    Object.entries({ ...BASE, ...variables })
      .map(([key, value]) => `${key}=${value}\n`)
      .join(""),
  );
  const result = await runCli(["conf", "prometheus", "--mode", mode, "--env-file", envFile, "--out", join(dir, "build")], { cwd: root });
  return { dir: join(dir, "build"), output: result.output, code: result.code };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

interface Receiver {
  readonly name: string;
  readonly [integration: string]: unknown;
}

describe("the rendered alertmanager.yml", () => {
  let root = "";
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "alertmanager-config-"));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  for (const [name, variables] of Object.entries(CASES)) {
    test(`passes amtool check-config with ${name}, in both modes`, async () => {
      for (const mode of ["native", "compose"] as const) {
        const rendered = await render(root, name, variables, mode);
        assert.equal(rendered.code, 0, rendered.output);
        const config = join(rendered.dir, "alertmanager", "alertmanager.yml");
        // why: compose paths point inside the container; amtool only needs the YAML, templates are checked on the native render.
        if (mode === "compose") {
          assert.match(await readFile(config, "utf8"), /\/etc\/alertmanager\/templates\/vllm-monitor\.tmpl/);
          continue;
        }
        const { stdout } = await run(AMTOOL, ["check-config", config]);
        assert.match(stdout, /SUCCESS/);
      }
    });
  }

  test("waits 30s and 5m to group notifications by default, and proportionally less with ALERT_FOR_SCALE below 1", async () => {
    const timings = async (name: string, variables: Record<string, string>) => {
      const rendered = await render(root, name, { ALERT_WEBHOOK_URL: "http://127.0.0.1:9/hook", ...variables }, "native");
      assert.equal(rendered.code, 0, rendered.output);
      const config = join(rendered.dir, "alertmanager", "alertmanager.yml");
      assert.match((await run(AMTOOL, ["check-config", config])).stdout, /SUCCESS/);
      const route = (parse(await readFile(config, "utf8")) as { route: { group_wait: string; group_interval: string } }).route;
      return [route.group_wait, route.group_interval];
    };
    assert.deepEqual(await timings("default timings", {}), ["30s", "5m"]);
    assert.deepEqual(await timings("slow for", { ALERT_FOR_SCALE: "2" }), ["30s", "5m"]);
    assert.deepEqual(await timings("fast for", { ALERT_FOR_SCALE: "0.1" }), ["3s", "30s"]);
    assert.deepEqual(await timings("fastest for", { ALERT_FOR_SCALE: "0.001" }), ["1s", "1s"]);
  });

  test("keeps the Slack URL, the PagerDuty key and the SMTP password only in their own 0600 files, never in a config or the output", async () => {
    const rendered = await render(root, "secrets", CASES["every destination"] ?? {}, "native");
    assert.equal(rendered.code, 0, rendered.output);
    const holders: Record<string, string[]> = { [SLACK_URL]: [], [PAGERDUTY_KEY]: [], [SMTP_PASSWORD]: [] };
    for (const file of await filesUnder(rendered.dir)) {
      const text = await readFile(file, "utf8");
      for (const secret of Object.keys(holders)) if (text.includes(secret)) holders[secret]?.push(file.slice(rendered.dir.length + 1));
    }
    assert.deepEqual(holders, {
      [SLACK_URL]: ["alertmanager/secrets/slack_api_url"],
      [PAGERDUTY_KEY]: ["alertmanager/secrets/pagerduty_routing_key"],
      [SMTP_PASSWORD]: ["alertmanager/secrets/smtp_password"],
    });
    for (const file of ["slack_api_url", "pagerduty_routing_key", "smtp_password"]) {
      assert.equal((await stat(join(rendered.dir, "alertmanager", "secrets", file))).mode & 0o777, 0o600, file);
    }
    for (const secret of Object.keys(holders)) assert.ok(!rendered.output.includes(secret), "no secret in the CLI's output");
  });

  test("sends critical alerts to the pager and chat and warnings to chat and e-mail by default, and follows ALERT_ROUTE_* when set", async () => {
    const receiversOf = async (variables: Record<string, string>): Promise<Map<string, string[]>> => {
      const rendered = await render(
        root,
        `routes-${Object.keys(variables).length}-${Object.values(variables).join("").length}`,
        variables,
        "native",
      );
      assert.equal(rendered.code, 0, rendered.output);
      const config = parse(await readFile(join(rendered.dir, "alertmanager", "alertmanager.yml"), "utf8")) as { receivers: Receiver[] };
      return new Map(
        config.receivers.map((receiver) => [
          receiver.name,
          Object.keys(receiver)
            .filter((key) => key.endsWith("_configs"))
            .sort(),
        ]),
      );
    };
    const defaults = await receiversOf(CASES["every destination"] ?? {});
    assert.deepEqual(defaults.get("critical"), ["pagerduty_configs", "slack_configs", "webhook_configs"]);
    assert.deepEqual(defaults.get("warning"), ["email_configs", "slack_configs", "webhook_configs"]);
    assert.deepEqual(defaults.get("vllm-monitor-test"), ["email_configs", "pagerduty_configs", "slack_configs", "webhook_configs"]);
    const overridden = await receiversOf(CASES["pages routed to Slack only"] ?? {});
    assert.deepEqual(overridden.get("critical"), ["slack_configs"]);
    assert.deepEqual(overridden.get("warning"), []);
  });

  test("refuses a route naming a destination that is not configured, and half an e-mail setup, naming the variables", async () => {
    const rendered = await render(root, "bad", { ALERT_ROUTE_CRITICAL: "pagerduty", ALERT_EMAIL_TO: "oncall@example.com" }, "native");
    assert.equal(rendered.code, 2);
    assert.match(
      rendered.output,
      /ALERT_ROUTE_CRITICAL \([^)]*bad\.env:\d+\): sends alerts to pagerduty, but ALERT_PAGERDUTY_ROUTING_KEY is empty/,
    );
    assert.match(rendered.output, /ALERT_EMAIL_FROM \(not set\): is empty, but e-mail alerts need/);
    assert.match(rendered.output, /ALERT_SMTP_HOST \(not set\)/);
  });
});

describe("the Alertmanager version check", () => {
  test("refuses a PagerDuty key and an SMTP password on Alertmanager 0.24, naming the version, the option and the release that added it", () => {
    const set = new Set(["ALERT_PAGERDUTY_ROUTING_KEY", "ALERT_SMTP_PASSWORD", "ALERT_SLACK_WEBHOOK_URL"]);
    assert.throws(
      () =>
        checkAlertmanagerVersion((name) => set.has(name), { major: 0, minor: 24, text: "0.24.0" }, "ALERTMANAGER_BIN /opt/am/alertmanager"),
      (error: unknown) => {
        assert.ok(isUserError(error));
        assert.equal(error.problems.length, 2, error.message);
        assert.match(
          error.message,
          /ALERT_PAGERDUTY_ROUTING_KEY is set, but Alertmanager 0\.24\.0 \(ALERTMANAGER_BIN \/opt\/am\/alertmanager\) has no pagerduty_configs\.routing_key_file.*added in 0\.25\.0/,
        );
        assert.match(error.message, /ALERT_SMTP_PASSWORD .* email_configs\.auth_password_file/);
        return true;
      },
    );
  });

  test("accepts every secret on Debian's Alertmanager 0.25", () => {
    checkAlertmanagerVersion(() => true, { major: 0, minor: 25, text: "0.25.0" }, "PATH /usr/bin/prometheus-alertmanager");
  });
});
