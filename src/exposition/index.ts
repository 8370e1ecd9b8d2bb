export { parseExposition, sampleNames } from "./parse.js";
export { ExpositionSyntaxError, type ExpositionDocument, type ExpositionFamily, type ExpositionSample } from "./types.js";
