export { parseExposition, detectFormat, sampleNames, type ParseOptions } from "./parse.js";
export {
  ExpositionSyntaxError,
  type ExpositionDocument,
  type ExpositionFamily,
  type ExpositionFormat,
  type ExpositionSample,
  type ExpositionType,
} from "./types.js";
