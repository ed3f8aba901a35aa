// Reads every Parquet file listed in DIR/expected.json with two independent readers, DuckDB (@duckdb/node-api)
// and hyparquet (+ hyparquet-compressors), and asserts schema, layout, metadata, statistics and exact values.
// Usage: node check_parquet.mjs DIR      (exit 0 = all good, 1 = mismatch or missing oracle)
import { existsSync, readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const toolsDir = join(here, '..', 'tools');
if (!existsSync(join(toolsDir, 'node_modules', '@duckdb', 'node-api')) ||
    !existsSync(join(toolsDir, 'node_modules', 'hyparquet-compressors'))) {
  console.error(`FAIL: the Parquet test oracles are not installed in ${toolsDir}/node_modules.\n` +
                `      Run: npm ci --prefix tests/tools   (or: make test-deps)`);
  process.exit(1);
}
const { duckdb, hyparquet, compressors, parquetHeader, deserializeTCompactProtocol } =
  await import(join(toolsDir, 'oracles.mjs'));

const dir = process.argv[2];
if (!dir) { console.error('usage: node check_parquet.mjs DIR'); process.exit(2); }
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8'));

let failures = 0;
let checks = 0;
let current = '';
function check(cond, what) {
  checks++;
  if (!cond) {
    failures++;
    if (failures <= 60) console.error(`FAIL [${current}] ${what}`);
  }
}
function eq(actual, want, what) {
  const a = typeof actual === 'bigint' ? `${actual}n` : JSON.stringify(actual);
  const w = typeof want === 'bigint' ? `${want}n` : JSON.stringify(want);
  check(actual === want, `${what}: got ${a}, want ${w}`);
}

// ---- expected values -------------------------------------------------------------------------------------
const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1), u64 = new BigUint64Array(f64.buffer);
const width = t => (t === 'INT32' || t === 'FLOAT') ? 4 : 8;
function decodeExpected(type, s) {
  switch (type) {
    case 'INT32': return Number(s);
    case 'INT64': return BigInt(s);
    case 'FLOAT': u32[0] = parseInt(s, 16); return f32[0];
    case 'DOUBLE': u64[0] = BigInt('0x' + s); return f64[0];
    case 'BYTE_ARRAY': return s;
  }
  throw new Error(type);
}
function bitsOf(type, v) {
  if (type === 'FLOAT') { f32[0] = v; return u32[0].toString(16); }
  if (type === 'DOUBLE') { f64[0] = v; return u64[0].toString(16); }
  return String(v);
}
// Exact comparison: integers by value, floats by bit pattern (NaN: any NaN, payloads are not kept by JS readers).
function sameValue(type, actual, want) {
  if (type === 'FLOAT' || type === 'DOUBLE') {
    if (typeof actual !== 'number') return false;
    if (Number.isNaN(want)) return Number.isNaN(actual);
    return bitsOf(type, actual) === bitsOf(type, want);
  }
  if (type === 'INT64') return typeof actual === 'bigint' && actual === want;
  if (type === 'BYTE_ARRAY' && actual instanceof Uint8Array) return Buffer.from(actual).toString('utf8') === want;
  return actual === want;
}
// min/max per the Parquet rules: none if a NaN is present; a zero min is -0.0, a zero max is +0.0.
function expectedStats(type, values) {
  if (values.length === 0) return null;
  if (type === 'BYTE_ARRAY') { // unsigned byte order; omitted when min or max is longer than 64 bytes
    const bytes = values.map(v => Buffer.from(v, 'utf8'));
    let lo = bytes[0], hi = bytes[0];
    for (const b of bytes) {
      if (Buffer.compare(b, lo) < 0) lo = b;
      if (Buffer.compare(b, hi) > 0) hi = b;
    }
    if (lo.length > 64 || hi.length > 64) return null;
    return { min: lo.toString('utf8'), max: hi.toString('utf8') };
  }
  let lo = values[0], hi = values[0];
  for (const v of values) {
    if (typeof v === 'number' && Number.isNaN(v)) return null;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (type === 'FLOAT' || type === 'DOUBLE') {
    if (lo === 0) lo = -0;
    if (hi === 0) hi = 0;
  }
  return { min: lo, max: hi };
}
const toMicros = (unit, v) => unit === 'NANOS' ? (v >= 0n ? v / 1000n : -((-v + 999n) / 1000n))
                            : unit === 'MILLIS' ? v * 1000n : v;
// DuckDB prints timestamp statistics as 'YYYY-MM-DD HH:MM:SS[.ffffff]+00'
function duckTimestampMicros(s) {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?\+00$/.exec(s);
  if (!m) return null;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  return BigInt(ms) * 1000n + BigInt(((m[7] ?? '') + '000000').slice(0, 6));
}
function duckNumber(type, s) {
  if (s === null || s === undefined) return null;
  if (type === 'BYTE_ARRAY') return s;
  if (type === 'INT64') return BigInt(s);
  if (type === 'INT32') return Number(s);
  const t = s.toLowerCase();
  const v = t === 'inf' || t === 'infinity' ? Infinity : t === '-inf' || t === '-infinity' ? -Infinity : Number(s);
  return type === 'FLOAT' ? Math.fround(v) : v;
}

const conn = await duckdb.DuckDBConnection.create();
const rawParsers = { timestampFromMilliseconds: v => v, timestampFromMicroseconds: v => v,
                     timestampFromNanoseconds: v => v };
const sql = s => s.replaceAll("'", "''");

for (const exp of expected.files) {
  current = exp.file;
  const failuresBefore = failures;
  const path = join(dir, exp.file);
  const cols = exp.columns.map(c => ({ ...c, vals: c.values.map(s => decodeExpected(c.type, s)) }));
  const rows = exp.rows;
  const nGroups = Math.ceil(rows / exp.rowGroupRows);
  const groupRows = g => Math.min(exp.rowGroupRows, rows - g * exp.rowGroupRows);
  const converted = { MILLIS: 'TIMESTAMP_MILLIS', MICROS: 'TIMESTAMP_MICROS', NANOS: null };
  const isString = c => c.type === 'BYTE_ARRAY';
  const unitClass = { MILLIS: 'MilliSeconds', MICROS: 'MicroSeconds', NANOS: 'NanoSeconds' };
  check(!existsSync(path + '.partial'), 'no .partial left next to the file');

  // ---------------- DuckDB ----------------
  const q = async s => (await conn.runAndReadAll(s)).getRowObjectsJS();
  const schema = await q(`SELECT * FROM parquet_schema('${sql(path)}') ORDER BY column_id`);
  eq(schema.length, cols.length + 1, 'duckdb schema element count');
  eq(schema[0].num_children, BigInt(cols.length), 'duckdb root num_children');
  cols.forEach((c, i) => {
    const s = schema[i + 1] ?? {};
    eq(s.name, c.name, `duckdb column ${i} name`);
    eq(s.type, c.type, `duckdb ${c.name} physical type`);
    eq(s.repetition_type, 'REQUIRED', `duckdb ${c.name} repetition`);
    eq(s.converted_type, c.timestamp ? converted[c.timestamp] : isString(c) ? 'UTF8' : null,
       `duckdb ${c.name} converted_type`);
    if (isString(c)) {
      check(/StringType/.test(s.logical_type ?? ''), `duckdb ${c.name} logical_type STRING: got ${s.logical_type}`);
      eq(s.duckdb_type, 'VARCHAR', `duckdb ${c.name} duckdb_type`);
    } else if (c.timestamp) {
      check(/isAdjustedToUTC=1/.test(s.logical_type ?? '') &&
            new RegExp(`${c.timestamp}=${unitClass[c.timestamp]}\\(\\)`).test(s.logical_type ?? ''),
            `duckdb ${c.name} logical_type TIMESTAMP(UTC, ${c.timestamp}): got ${s.logical_type}`);
      eq(s.duckdb_type, 'TIMESTAMP WITH TIME ZONE', `duckdb ${c.name} duckdb_type`);
    } else {
      eq(s.logical_type, null, `duckdb ${c.name} logical_type`);
    }
  });
  const [fm] = await q(`SELECT * FROM parquet_file_metadata('${sql(path)}')`);
  eq(fm.num_rows, BigInt(rows), 'duckdb num_rows');
  eq(fm.num_row_groups, BigInt(nGroups), 'duckdb num_row_groups');
  eq(fm.created_by, exp.createdBy, 'duckdb created_by');
  eq(fm.format_version, 1n, 'duckdb format_version');
  const kv = await q(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${sql(path)}')`);
  eq(JSON.stringify(kv.map(r => [r.k, r.v])), JSON.stringify(exp.kv), 'duckdb key/value metadata');

  const meta = await q(`SELECT * FROM parquet_metadata('${sql(path)}') ORDER BY row_group_id, column_id`);
  eq(meta.length, nGroups * cols.length, 'duckdb column chunk count');
  for (const m of meta) {
    const g = Number(m.row_group_id), c = cols[Number(m.column_id)];
    if (!c) continue;
    const what = `duckdb rg ${g} ${c.name}`;
    eq(m.row_group_num_rows, BigInt(groupRows(g)), `${what} row_group_num_rows`);
    eq(m.num_values, BigInt(groupRows(g)), `${what} num_values`);
    eq(m.compression, exp.codec, `${what} compression`);
    eq(m.encodings, c.encoding, `${what} encodings`);
    eq(m.path_in_schema, c.name, `${what} path_in_schema`);
    eq(m.stats_null_count, 0n, `${what} null_count`);
    const slice = c.vals.slice(g * exp.rowGroupRows, g * exp.rowGroupRows + groupRows(g));
    const st = expectedStats(c.type, slice);
    if (st === null) {
      check(m.stats_min_value === null && m.stats_max_value === null, `${what} no min/max with NaN present`);
    } else if (c.timestamp) {
      eq(duckTimestampMicros(m.stats_min_value), toMicros(c.timestamp, st.min), `${what} min (µs)`);
      eq(duckTimestampMicros(m.stats_max_value), toMicros(c.timestamp, st.max), `${what} max (µs)`);
    } else {
      // DuckDB does not report infinite float statistics (it shows NULL); hyparquet below checks those bytes.
      const duckOk = (s, v) => sameValue(c.type, duckNumber(c.type, s), v) ||
                               (s === null && typeof v === 'number' && !Number.isFinite(v));
      check(duckOk(m.stats_min_value, st.min), `${what} min: got ${m.stats_min_value}, want ${st.min}`);
      check(duckOk(m.stats_max_value, st.max), `${what} max: got ${m.stats_max_value}, want ${st.max}`);
    }
  }

  // Values. DuckDB maps TIMESTAMP(UTC) to TIMESTAMPTZ (microseconds): compare epoch_ms/epoch_us exactly; for
  // NANOS DuckDB keeps microseconds only, so compare floor(ns / 1000) (hyparquet checks the nanoseconds).
  const select = cols.map(c => {
    const n = `"${c.name.replaceAll('"', '""')}"`;
    if (!c.timestamp) return n;
    return c.timestamp === 'MILLIS' ? `epoch_ms(${n})` : `epoch_us(${n})`;
  }).join(', ');
  const reader = await conn.runAndReadAll(`SELECT ${select} FROM read_parquet('${sql(path)}')`);
  const dcols = reader.getColumnsJS();
  eq(reader.currentRowCount, rows, 'duckdb SELECT row count');
  cols.forEach((c, i) => {
    const got = dcols[i] ?? [];
    let bad = 0, first = -1;
    for (let r = 0; r < rows; r++) {
      let want = c.vals[r], a = got[r];
      if (c.timestamp) {
        want = c.timestamp === 'NANOS' ? toMicros('NANOS', want) : want;
        a = typeof a === 'bigint' ? a : BigInt(a);
      }
      if (!sameValue(c.type, a, want)) { bad++; if (first < 0) first = r; }
    }
    check(bad === 0, `duckdb values of ${c.name}: ${bad} mismatches, first at row ${first}: got ${got[first]}, ` +
                     `want ${c.values[first]}`);
  });

  // ---------------- hyparquet ----------------
  const buf = readFileSync(path);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const md = hyparquet.parquetMetadata(ab, { parsers: rawParsers });
  eq(md.version, 1, 'hyparquet version');
  eq(md.num_rows, BigInt(rows), 'hyparquet num_rows');
  eq(md.row_groups.length, nGroups, 'hyparquet row group count');
  eq(md.created_by, exp.createdBy, 'hyparquet created_by');
  eq(JSON.stringify((md.key_value_metadata ?? []).map(e => [e.key, e.value])), JSON.stringify(exp.kv),
     'hyparquet key/value metadata');
  eq(md.schema.length, cols.length + 1, 'hyparquet schema length');
  eq(md.schema[0].num_children, cols.length, 'hyparquet root num_children');
  cols.forEach((c, i) => {
    const s = md.schema[i + 1] ?? {};
    eq(s.name, c.name, `hyparquet column ${i} name`);
    eq(s.type, c.type, `hyparquet ${c.name} type`);
    eq(s.repetition_type, 'REQUIRED', `hyparquet ${c.name} repetition`);
    eq(s.converted_type, c.timestamp ? (converted[c.timestamp] ?? undefined) : isString(c) ? 'UTF8' : undefined,
       `hyparquet ${c.name} converted_type`);
    eq(JSON.stringify(s.logical_type), c.timestamp
       ? JSON.stringify({ type: 'TIMESTAMP', isAdjustedToUTC: true, unit: c.timestamp })
       : isString(c) ? JSON.stringify({ type: 'STRING' }) : undefined,
       `hyparquet ${c.name} logical_type`);
  });
  // Raw footer through hyparquet's own Thrift decoder: RowGroup ordinal/file_offset/total_compressed_size.
  const footerLen = buf.readUInt32LE(buf.length - 8);
  eq(buf.subarray(0, 4).toString('latin1') + buf.subarray(buf.length - 4).toString('latin1'), 'PAR1PAR1', 'magic');
  const raw = deserializeTCompactProtocol({ view: new DataView(ab, buf.length - 8 - footerLen, footerLen), offset: 0 });
  eq(raw.field_1, 1, 'raw FileMetaData.version');
  md.row_groups.forEach((rg, g) => {
    const what = `hyparquet rg ${g}`;
    eq(rg.num_rows, BigInt(groupRows(g)), `${what} num_rows`);
    const rawRg = raw.field_4[g];
    eq(rawRg.field_7, g, `${what} ordinal`);
    eq(rawRg.field_5, rg.columns[0].meta_data.data_page_offset, `${what} file_offset = first page`);
    let compressed = 0n, uncompressed = 0n;
    rg.columns.forEach((cc, i) => {
      const c = cols[i], m = cc.meta_data, w = `${what} ${c.name}`;
      compressed += m.total_compressed_size; uncompressed += m.total_uncompressed_size;
      eq(m.type, c.type, `${w} type`);
      eq(m.codec, exp.codec, `${w} codec`);
      eq(JSON.stringify(m.encodings), JSON.stringify([c.encoding]), `${w} encodings`);
      eq(JSON.stringify(m.path_in_schema), JSON.stringify([c.name]), `${w} path_in_schema`);
      eq(m.num_values, BigInt(groupRows(g)), `${w} num_values`);
      eq(m.statistics?.null_count, 0n, `${w} null_count`);
      const slice = c.vals.slice(g * exp.rowGroupRows, g * exp.rowGroupRows + groupRows(g));
      const st = expectedStats(c.type, slice);
      if (st === null) {
        check(m.statistics.min_value === undefined && m.statistics.max_value === undefined, `${w} no min/max (NaN)`);
      } else {
        check(sameValue(c.type, m.statistics.min_value, st.min), `${w} min: got ${m.statistics.min_value}, want ${st.min}`);
        check(sameValue(c.type, m.statistics.max_value, st.max), `${w} max: got ${m.statistics.max_value}, want ${st.max}`);
      }
      // Walk the pages: V1 data pages only, each body <= maxPageBytes, sizes add up to the chunk totals.
      // Expected page cut: fixed-width columns floor(maxPageBytes / width) values per page; strings as many
      // whole PLAIN values (4-byte length + bytes) as fit, at least one (a longer single value gets its own page).
      let expectPages = 0, maxBody = exp.maxPageBytes;
      if (isString(c)) {
        let bytes = 0, n = 0;
        for (const v of slice) {
          const sz = 4 + Buffer.byteLength(v, 'utf8');
          if (n > 0 && bytes + sz > exp.maxPageBytes) { expectPages++; bytes = 0; n = 0; }
          bytes += sz; n++;
          maxBody = Math.max(maxBody, sz);
        }
        if (n > 0) expectPages++;
      } else {
        expectPages = Math.ceil(groupRows(g) / Math.max(1, Math.floor(exp.maxPageBytes / width(c.type))));
      }
      const reader = { view: new DataView(ab), offset: Number(m.data_page_offset) };
      let pages = 0, values = 0, comp = 0, uncomp = 0, okPages = true, okCrc = true;
      const end = Number(m.data_page_offset + m.total_compressed_size);
      while (reader.offset < end && pages < 1e6) {
        const start = reader.offset;
        const h = parquetHeader(reader);
        const hl = reader.offset - start;
        okPages &&= h.type === 'DATA_PAGE' && h.data_page_header.encoding === c.encoding &&
                    h.uncompressed_page_size <= maxBody;
        // PageHeader.crc: CRC-32 (zlib's, computed here by node) of the page bytes as stored.
        const body = buf.subarray(reader.offset, reader.offset + h.compressed_page_size);
        okCrc &&= h.crc !== undefined && (h.crc >>> 0) === crc32(body);
        values += h.data_page_header?.num_values ?? 0;
        comp += hl + h.compressed_page_size; uncomp += hl + h.uncompressed_page_size;
        reader.offset += h.compressed_page_size;
        pages++;
      }
      check(okCrc, `${w} every page carries the CRC-32 of its bytes`);
      check(okPages, `${w} pages are DATA_PAGE/${c.encoding}/<= ${exp.maxPageBytes} bytes`);
      eq(pages, expectPages, `${w} page count`);
      eq(values, groupRows(g), `${w} values in pages`);
      eq(BigInt(comp), m.total_compressed_size, `${w} total_compressed_size = sum of pages`);
      eq(BigInt(uncomp), m.total_uncompressed_size, `${w} total_uncompressed_size = sum of pages`);
    });
    eq(rg.total_byte_size, uncompressed, `${what} total_byte_size`);
    eq(rawRg.field_6, compressed, `${what} total_compressed_size`);
  });
  const data = await hyparquet.parquetReadObjects({ file: ab, compressors, parsers: rawParsers });
  eq(data.length, rows, 'hyparquet row count');
  cols.forEach(c => {
    let bad = 0, first = -1;
    for (let r = 0; r < Math.min(rows, data.length); r++) {
      if (!sameValue(c.type, data[r][c.name], c.vals[r])) { bad++; if (first < 0) first = r; }
    }
    check(bad === 0, `hyparquet values of ${c.name}: ${bad} mismatches, first at row ${first}: ` +
                     `got ${data[first]?.[c.name]}, want ${c.values[first]}`);
  });
  console.log(`${failures === failuresBefore ? 'ok  ' : 'FAIL'} ${exp.file}: ${rows} rows, ${nGroups} row groups, ` +
              `${exp.codec}`);
}

console.log(`${checks} checks, ${failures} failures over ${expected.files.length} files (DuckDB + hyparquet)`);
if (expected.files.length === 0) { console.error('FAIL: expected.json lists no files'); failures++; }
process.exit(failures === 0 ? 0 : 1);
