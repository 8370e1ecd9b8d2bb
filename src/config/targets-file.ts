import { echo, hasControl } from "../text/echo.js";
/**
 * Reads a Prometheus file_sd file (VLLM_TARGETS_FILE) and checks it the way Prometheus will:
 * a list of `{ targets: [host:port, …], labels: {…} }` groups, no other keys, label names that
 * Prometheus accepts, and addresses without a scheme or path (Prometheus rejects `http://…` there).
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node } from "yaml";
import { parseHostItem, type Scheme, type VllmTarget } from "./targets.js";

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const GROUP_KEYS = new Set(["targets", "labels"]);

export interface TargetsFileResult {
  readonly targets: VllmTarget[];
  /** Each as `file:line: what is wrong and how to fix it`. */
  readonly problems: string[];
}

/** Parses and validates `path`; the scheme and path defaults are the scrape job's (SCHEMA, VLLM_METRICS_PATH). */
export function readTargetsFile(path: string, defaults: { scheme: Scheme; metricsPath: string }): TargetsFileResult {
  return parseTargetsFile(readFileSync(path, "utf8"), basename(path), defaults);
}

/** Pure: the file's text in, targets and problems out. */
export function parseTargetsFile(text: string, fileName: string, defaults: { scheme: Scheme; metricsPath: string }): TargetsFileResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const at = (node: Node | null | undefined): string => `${fileName}:${node?.range ? lineCounter.linePos(node.range[0]).line : 1}`;
  const problems: string[] = [];
  const targets: VllmTarget[] = [];
  if (document.errors.length > 0) {
    const first = document.errors[0];
    const line = first?.linePos?.[0]?.line ?? 1;
    return {
      targets,
      problems: [
        `${fileName}:${line}: is not valid YAML or JSON (${first?.code ?? "parse error"}); Prometheus would ignore the whole file`,
      ],
    };
  }
  const root = document.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ""))) return { targets, problems };
  if (!isSeq(root)) {
    return { targets, problems: [`${at(root)}: must be a list of { targets: [host:port, …], labels: {…} } groups`] };
  }
  for (const group of root.items) {
    if (!isMap(group)) {
      problems.push(`${at(group as Node)}: each item must be a { targets: […], labels: {…} } group`);
      continue;
    }
    let scheme = defaults.scheme;
    let metricsPath = defaults.metricsPath;
    const labels = group.get("labels", true);
    for (const pair of group.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "";
      if (!GROUP_KEYS.has(key)) problems.push(`${at(pair.key as Node)}: unknown key "${echo(key)}"; a group holds only targets and labels`);
    }
    if (labels !== undefined && labels !== null) {
      if (!isMap(labels)) {
        problems.push(`${at(labels as Node)}: labels must be a map of label name to value`);
      } else {
        for (const pair of labels.items) {
          const name = isScalar(pair.key) ? String(pair.key.value) : "";
          if (!LABEL_NAME.test(name))
            problems.push(
              `${at(pair.key as Node)}: "${echo(name)}" is not a valid label name (letters, digits and _, not starting with a digit)`,
            );
          if (!isScalar(pair.value)) {
            problems.push(`${at(pair.key as Node)}: the value of label ${echo(name)} must be a plain string`);
            continue;
          }
          const value = String(pair.value.value);
          if (hasControl(value))
            problems.push(
              `${at(pair.value)}: the value of label ${echo(name)} contains a control character (such as ESC or NUL), which would reach every series of these targets`,
            );
          if (name === "__scheme__") {
            if (value === "http" || value === "https") scheme = value;
            else problems.push(`${at(pair.value)}: __scheme__ must be http or https`);
          }
          if (name === "__metrics_path__") {
            if (value.startsWith("/")) metricsPath = value;
            else problems.push(`${at(pair.value)}: __metrics_path__ must start with /`);
          }
        }
      }
    }
    const list = group.get("targets", true);
    if (!isSeq(list)) {
      problems.push(`${at(list === undefined ? group : (list as Node))}: a group needs targets: [host:port, …]`);
      continue;
    }
    for (const item of list.items) {
      const address = isScalar(item) ? String(item.value) : "";
      if (address.includes("/")) {
        problems.push(
          `${at(item as Node)}: target "${echo(address)}" has a scheme or path, which Prometheus rejects in file_sd; write host:port and put the scheme and path in labels __scheme__ and __metrics_path__`,
        );
        continue;
      }
      const spec = parseHostItem(address);
      if (typeof spec === "string") {
        problems.push(`${at(item as Node)}: target "${echo(address)}" ${spec}`);
        continue;
      }
      // why: Prometheus gives a file_sd address without a port the scheme's port, not vLLM's 8000.
      targets.push({ address: `${spec.host}:${spec.port ?? (scheme === "https" ? 443 : 80)}`, scheme, metricsPath });
    }
  }
  return { targets, problems };
}
