import { inspect } from "node:util";

const HIDDEN = "[hidden]";

/**
 * A secret value (password, token). Printing, logging or serialising it shows `[hidden]`;
 * only `reveal()` returns the value, so every place that uses the real value is greppable.
 */
export class Secret {
  readonly #value: string;
  /** The variable it came from, for messages that must name the secret instead of showing it. */
  readonly name: string;

  constructor(name: string, value: string) {
    this.name = name;
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return HIDDEN;
  }

  toJSON(): string {
    return HIDDEN;
  }

  [inspect.custom](): string {
    return `Secret(${this.name}: ${HIDDEN})`;
  }
}
