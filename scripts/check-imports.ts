/**
 * The import graph's two rules (README "Architecture"): a folder never imports one on a higher
 * floor, and no files import each other in a loop (type-only imports included: a type lives in
 * the file that owns it). Prints every violation and exits 1; `npm run lint` and a test run it.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Lowest floor first. A path is placed by its longest matching prefix (relative to src/). */
export const FLOORS: readonly (readonly string[])[] = [
  ["errors.ts", "output.ts", "text", "exposition", "process"],
  ["catalog"],
  ["config", "promql"],
  ["mixin/config.ts"],
  ["mixin/dashboards", "mixin/rules"],
  ["mixin"],
  ["prometheus", "render", "kubernetes", "alerting", "viewer"],
  ["generate", "stack", "doctor", "simulator", "top"],
  ["cli"],
];

export interface ImportViolation {
  readonly kind: "upward" | "loop";
  readonly message: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return sourceFiles(path);
      return entry.endsWith(".ts") ? [path] : [];
    });
}

/** The floor of a path relative to src/, or undefined when no floor names it. */
export function floorOf(path: string): number | undefined {
  let best: { floor: number; length: number } | undefined;
  FLOORS.forEach((prefixes, floor) => {
    for (const prefix of prefixes) {
      const matches = path === prefix || path.startsWith(`${prefix}/`);
      if (matches && (best === undefined || prefix.length > best.length)) best = { floor, length: prefix.length };
    }
  });
  return best?.floor;
}

/** Relative imports of a file (static, dynamic and type-only), as paths relative to `root`. */
function importsOf(root: string, file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)].map((match) => match[1]!);
  return specifiers.map((specifier) => relative(root, resolve(dirname(file), specifier)).replace(/\.js$/, ".ts"));
}

/** Every violation in the tree under `root` (the project's src/). */
export function importViolations(root: string): ImportViolation[] {
  const files = sourceFiles(root).map((file) => relative(root, file));
  const graph = new Map(files.map((file) => [file, importsOf(root, join(root, file)).filter((target) => files.includes(target))]));
  const violations: ImportViolation[] = [];
  for (const file of files) {
    const floor = floorOf(file);
    if (floor === undefined)
      violations.push({ kind: "upward", message: `src/${file} is on no floor: add its folder to FLOORS in scripts/check-imports.ts` });
    for (const target of graph.get(file) ?? []) {
      const targetFloor = floorOf(target);
      if (floor !== undefined && targetFloor !== undefined && targetFloor > floor) {
        violations.push({
          kind: "upward",
          message: `src/${file} (floor ${floor}) imports src/${target} (floor ${targetFloor}), a higher floor`,
        });
      }
    }
  }
  // Loops: Tarjan's strongly connected components; any component of more than one file is a loop.
  let index = 0;
  const indices = new Map<string, number>();
  const lowLinks = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const visit = (file: string): void => {
    indices.set(file, index);
    lowLinks.set(file, index);
    index += 1;
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!indices.has(target)) {
        visit(target);
        lowLinks.set(file, Math.min(lowLinks.get(file)!, lowLinks.get(target)!));
      } else if (onStack.has(target)) {
        lowLinks.set(file, Math.min(lowLinks.get(file)!, indices.get(target)!));
      }
    }
    if (lowLinks.get(file) === indices.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1)
        violations.push({
          kind: "loop",
          message: `these files import each other in a loop: ${component
            .sort()
            .map((item) => `src/${item}`)
            .join(", ")}`,
        });
    }
  };
  for (const file of files) if (!indices.has(file)) visit(file);
  return violations;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "src");
  const violations = importViolations(root);
  for (const violation of violations) console.error(`check-imports: ${violation.message}`);
  if (violations.length > 0) process.exit(1);
  console.log("check-imports: no upward imports, no loops");
}
