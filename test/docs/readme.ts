import * as prettier from "prettier";
import { toolFamilies } from "../../src/core/tools/index.js";
import { withToolTables } from "./tool-tables.js";

/** README.md as `npm run docs` writes it: the tool tables from the registry, formatted. */
export async function generatedReadme(readme: string, path: string): Promise<string> {
  const options = await prettier.resolveConfig(path);
  return prettier.format(withToolTables(readme, toolFamilies), { ...options, filepath: path });
}
