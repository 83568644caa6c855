// The quick runtime test files, in one process: see test/bundles.json.
import { importBundle } from '../helpers/bundles.js';

await importBundle('runtime');
