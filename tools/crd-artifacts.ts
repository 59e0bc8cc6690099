// What the build prepares from crds/*.yaml so that a sidecar does not at start
// (sidecar/resources/crd-schema.ts reads both, while the YAML texts match):
// - crds.json: the CRDs parsed;
// - crd-validators.cjs: each served version's validator, compiled by ajv ahead of
//   time (ajv's standalone code), with the options and schema rewriting the
//   sidecar uses when it compiles one itself, so both validate alike.
// Written beside the bundle's chunks by tools/build-bundle.ts.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { _, type Ajv } from "ajv";
import standaloneCodeModule from "ajv/dist/standalone/index.js";
import { crdDigest, crdKey, crdParseCache, newCrdAjv, parseCrdTexts, readCrdTexts, servedVersions, toAjvSchema, type CrdTexts } from "../sidecar/resources/crd-schema.js";

// CommonJS; under NodeNext its default import is the module object.
const standaloneCode = ((standaloneCodeModule as unknown as { default?: unknown }).default ?? standaloneCodeModule) as unknown as (ajv: Ajv, refs: Record<string, string>) => string;

// Where the compiled code takes ajv-formats' checks from at run time.
const FORMATS_MODULE = "ajv-formats/dist/formats";

/** A CommonJS module: `digest` (of the texts), and `byKey`, each served version's validator by crdKey. */
export function crdValidatorsModule(texts: CrdTexts): string {
  // Resolvable from the bundle, as from here.
  createRequire(import.meta.url).resolve(FORMATS_MODULE);
  const ajv = newCrdAjv({ code: { source: true, formats: _`require(${FORMATS_MODULE}).fullFormats` } });
  const exportsById: Record<string, string> = {};
  const idByKey: Record<string, string> = {};
  servedVersions(parseCrdTexts(texts)).forEach((v, i) => {
    const id = `v${i}`;
    ajv.addSchema(toAjvSchema(v.schema, ajv.formats, true), id);
    exportsById[id] = id;
    idByKey[crdKey(v.apiVersion, v.kind)] = id;
  });
  const byKey = Object.entries(idByKey).map(([k, id]) => `${JSON.stringify(k)}: module.exports.${id}`).join(", ");
  return `${standaloneCode(ajv, exportsById)}\nmodule.exports.digest = ${JSON.stringify(crdDigest(texts))};\nmodule.exports.byKey = { ${byKey} };\n`;
}

/** Writes crds.json and crd-validators.cjs into `outdir`. */
export function writeCrdArtifacts(crdsDir: string, outdir: string): void {
  const texts = readCrdTexts(crdsDir);
  writeFileSync(path.join(outdir, "crds.json"), crdParseCache(texts));
  writeFileSync(path.join(outdir, "crd-validators.cjs"), crdValidatorsModule(texts));
}
