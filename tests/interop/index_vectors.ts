// Prints, as JSON, the tag docs/typescript/blind-index.ts computes for each vector of
// tests/index_vectors.json (null where it computes none), for test_index.py to compare.
import { readFileSync } from "node:fs";
import { blindIndex } from "../../docs/typescript/blind-index.ts";

interface Vector {
  name: string;
  value: unknown;
  key?: string;
  tenant?: string;
  normalize?: string[];
  bytes?: number;
}

const table = JSON.parse(readFileSync(new URL("../index_vectors.json", import.meta.url), "utf8"));
const tags = (table.vectors as Vector[]).map(
  (v) =>
    blindIndex(v.key ?? table.key, v.name, v.value, {
      tenant: v.tenant,
      normalize: v.normalize,
      bytes: v.bytes,
    }) ?? null,
);
process.stdout.write(JSON.stringify(tags));
