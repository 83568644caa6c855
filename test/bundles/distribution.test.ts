// The quick distribution test files, in one process: see test/bundles.json.
import { importBundle } from '../helpers/bundles.js';

await importBundle('distribution');
