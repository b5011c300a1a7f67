// The inputs' YAML parser is loaded on demand (src/inputs/parse.ts): the entries load it when an input needs it
// (readSettingsLoading), tests that call the synchronous parsers directly get it loaded here. The on-demand path
// itself is tested in inputs.yaml-lazy.test.ts and by every runner-faithful test with a mapping input.
import { loadYaml } from '../src/inputs/parse.js';

await loadYaml();
