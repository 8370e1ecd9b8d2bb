import type { Command } from "commander";
import * as alert from "./alert.js";
import * as build from "./build.js";
import * as clean from "./clean.js";
import * as conf from "./conf.js";
import * as doctor from "./doctor.js";
import * as down from "./down.js";
import * as generate from "./generate.js";
import * as logs from "./logs.js";
import * as reload from "./reload.js";
import * as simulate from "./simulate.js";
import * as status from "./status.js";
import * as top from "./top.js";
import * as up from "./up.js";
import * as view from "./view.js";

/**
 * Registers every CLI command. Each command is one module exporting `register(program)`;
 * add a new command by importing it here.
 */
export function registerCommands(program: Command): void {
  alert.register(program);
  build.register(program);
  clean.register(program);
  conf.register(program);
  doctor.register(program);
  down.register(program);
  generate.register(program);
  logs.register(program);
  reload.register(program);
  simulate.register(program);
  status.register(program);
  top.register(program);
  up.register(program);
  view.register(program);
}
