// esbuild's CJS output has no import.meta; bundled ESM dependencies still read import.meta.url.
export const import_meta_url = require('url').pathToFileURL(__filename).href;
