// Re-exports the npm test oracles (pinned in package.json / package-lock.json) so scripts elsewhere in tests/
// resolve them from tests/tools/node_modules. Test-only.
export * as duckdb from '@duckdb/node-api';
export * as hyparquet from 'hyparquet';
export { compressors } from 'hyparquet-compressors';
// Page-header and raw Thrift decoding from hyparquet's sources (not in its public exports), used to walk the
// pages of each column chunk independently of our writer.
export { parquetHeader } from './node_modules/hyparquet/src/column.js';
export { deserializeTCompactProtocol } from './node_modules/hyparquet/src/thrift.js';
