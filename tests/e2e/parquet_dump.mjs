// Reads every *.parquet file under DIR (recursively) with two independent readers, DuckDB (@duckdb/node-api)
// and hyparquet (+ hyparquet-compressors), checks that both agree on every value, and writes what they read to
// OUT.json for the calling test to check against its own truth:
//   {files: [{file, rows, rowGroups, kv: {key: value}, schema: [{name, type, logical}], columns: {name: [...]}}],
//    errors: [...]}
// INT64 values are written as decimal strings (exact), FLOAT values as JS numbers (exact for float32).
// A file that either reader cannot read, or on which they disagree, is listed in errors (exit 1).
// Usage: node parquet_dump.mjs DIR OUT.json
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const toolsDir = join(here, '..', 'tools');
if (!existsSync(join(toolsDir, 'node_modules', '@duckdb', 'node-api')) ||
    !existsSync(join(toolsDir, 'node_modules', 'hyparquet-compressors'))) {
  console.error(`FAIL: the Parquet test oracles are not installed in ${toolsDir}/node_modules.\n` +
                `      Run: npm ci --prefix tests/tools   (or: make test-deps)`);
  process.exit(1);
}
const { duckdb, hyparquet, compressors } = await import(join(toolsDir, 'oracles.mjs'));

const [dir, outPath] = process.argv.slice(2);
if (!dir || !outPath) { console.error('usage: node parquet_dump.mjs DIR OUT.json'); process.exit(2); }

function walk(d) {
  let out = [];
  for (const e of readdirSync(d).sort()) {
    const p = join(d, e);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (e.endsWith('.parquet')) out.push(p);
  }
  return out;
}

const conn = await duckdb.DuckDBConnection.create();
const q = async s => (await conn.runAndReadAll(s)).getRowObjectsJS();
const sql = s => s.replaceAll("'", "''");
const rawParsers = { timestampFromMilliseconds: v => v, timestampFromMicroseconds: v => v,
                     timestampFromNanoseconds: v => v };
const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const bits = v => { f32[0] = v; return u32[0]; };
const floorDiv1000 = v => (v >= 0n ? v / 1000n : -((-v + 999n) / 1000n));

const result = { files: [], errors: [] };
for (const path of walk(dir)) {
  const file = relative(dir, path);
  try {
    // ---- hyparquet: metadata and rows (timestamps as raw int64 nanoseconds) ----
    const buf = readFileSync(path);
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const md = hyparquet.parquetMetadata(ab, { parsers: rawParsers });
    const schema = md.schema.slice(1).map(s => ({ name: s.name, type: s.type, logical: s.logical_type ?? null }));
    const kv = Object.fromEntries((md.key_value_metadata ?? []).map(e => [e.key, e.value]));
    const rows = await hyparquet.parquetReadObjects({ file: ab, compressors, parsers: rawParsers });
    const columns = {};
    for (const s of schema) columns[s.name] = rows.map(r => r[s.name]);

    // ---- DuckDB: the same file through a second implementation ----
    const [fm] = await q(`SELECT * FROM parquet_file_metadata('${sql(path)}')`);
    const dkv = await q(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${sql(path)}')`);
    const dschema = await q(`SELECT name, type, logical_type FROM parquet_schema('${sql(path)}') ORDER BY column_id`);
    const select = schema.map(s => s.logical?.type === 'TIMESTAMP' ? `epoch_us("${s.name}")` : `"${s.name}"`);
    const reader = await conn.runAndReadAll(`SELECT ${select.join(', ')} FROM read_parquet('${sql(path)}')`);
    const dcols = reader.getColumnsJS();

    const problems = [];
    if (Number(fm.num_rows) !== rows.length) problems.push(`row count: duckdb ${fm.num_rows}, hyparquet ${rows.length}`);
    if (Number(md.num_rows) !== rows.length) problems.push(`num_rows ${md.num_rows} != rows read ${rows.length}`);
    if (JSON.stringify(dkv.map(r => [r.k, r.v])) !== JSON.stringify(Object.entries(kv)))
      problems.push('key/value metadata differs between the readers');
    if (JSON.stringify(dschema.slice(1).map(s => [s.name, s.type])) !== JSON.stringify(schema.map(s => [s.name, s.type])))
      problems.push('schema differs between the readers');
    schema.forEach((s, i) => {
      const h = columns[s.name], d = dcols[i] ?? [];
      let bad = 0, first = -1;
      for (let r = 0; r < h.length; r++) {
        let same;
        if (s.logical?.type === 'TIMESTAMP') same = BigInt(d[r]) === floorDiv1000(h[r]); // DuckDB keeps µs
        else if (s.type === 'INT64') same = BigInt(d[r]) === h[r];
        else if (s.type === 'FLOAT') same = bits(d[r]) === bits(h[r]);
        else if (s.type === 'DOUBLE') same = Object.is(d[r], h[r]) || d[r] === h[r]; // NaN equals NaN, exact otherwise
        else same = d[r] === h[r];
        if (!same) { bad++; if (first < 0) first = r; }
      }
      if (d.length !== h.length || bad)
        problems.push(`column ${s.name}: ${bad} values differ (first at row ${first}: duckdb ${d[first]}, ` +
                      `hyparquet ${h[first]}), lengths ${d.length}/${h.length}`);
    });
    if (problems.length) result.errors.push(`${file}: ${problems.join('; ')}`);
    const out = {};
    for (const s of schema)
      out[s.name] = s.type === 'INT64' ? columns[s.name].map(v => v.toString()) : columns[s.name];
    result.files.push({ file, rows: rows.length, rowGroups: md.row_groups.length, kv, schema, columns: out,
                        duckdbRows: Number(fm.num_rows), createdBy: md.created_by });
  } catch (e) {
    result.errors.push(`${file}: unreadable: ${e.message ?? e}`);
  }
}
writeFileSync(outPath, JSON.stringify(result));
for (const e of result.errors) console.error('FAIL', e);
console.log(`${result.files.length} file(s) read by DuckDB and hyparquet, ${result.errors.length} error(s)`);
process.exit(result.errors.length ? 1 : 0);
