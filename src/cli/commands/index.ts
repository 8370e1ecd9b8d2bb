import type { Command } from "commander";
import * as doctor from "./doctor.js";

/**
 * Registers every CLI command. Each command is one module exporting `register(program)`;
 * add a new command by importing it here.
 */
export function registerCommands(program: Command): void {
  void program;
  doctor.register(program);
}
