// ParquetWriter behaviour that the read-back oracle cannot see: API misuse, the .partial -> rename protocol,
// abort/destructor cleanup, streaming (row groups reach the disk as they fill), and I/O faults: a missing
// directory, a read-only directory, a full disk (RLIMIT_FSIZE -> EFBIG, and a real ENOSPC on a private 64 KiB
// tmpfs when mounting is permitted), a final name that cannot be replaced. After every failure no file may
// exist under the final name and no partial may be left behind.
#include "TestCheck.h"
#include "parquet/ParquetWriter.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace vibra::parquet;
namespace fs = std::filesystem;

namespace {

fs::path g_dir;

std::vector<Column> schema() {
    return {{"t", PhysicalType::Int64, TimeUnit::Nanos, false},
            {"x", PhysicalType::Float, std::nullopt, false},
            {"n", PhysicalType::Int32, std::nullopt, false},
            {"d", PhysicalType::Double, std::nullopt, true}};
}

struct Batch {
    std::vector<std::int64_t> t;
    std::vector<float> x;
    std::vector<std::int32_t> n;
    std::vector<double> d;
    explicit Batch(std::size_t rows, std::uint32_t seed = 1) {
        std::uint32_t s = seed;
        for (std::size_t i = 0; i < rows; ++i) {
            s = s * 1664525u + 1013904223u; // noisy data, so compression cannot hide the volume
            t.push_back(static_cast<std::int64_t>(i) * 62500);
            x.push_back(static_cast<float>(s) * 1e-9f);
            n.push_back(static_cast<std::int32_t>(s));
            d.push_back(static_cast<double>(s) * 1e-3);
        }
    }
    std::vector<ColumnValues> columns() const {
        return {std::span<const std::int64_t>(t), std::span<const float>(x), std::span<const std::int32_t>(n),
                std::span<const double>(d)};
    }
};

bool present(const fs::path& p) {
    std::error_code ec;
    return fs::exists(fs::symlink_status(p, ec));
}
std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}
bool has(const std::string& s, const std::string& needle) {
    return s.find(needle) != std::string::npos;
}

void misuse() {
    ParquetWriter w;
    std::string err;
    Batch b(10);
    auto cols = b.columns();
    CHECK(!w.appendRows(cols, &err));
    CHECK_MSG(has(err, "not open"), err);
    CHECK(!w.close(&err));

    const auto path = (g_dir / "misuse.parquet").string();
    WriterOptions opt;
    CHECK(!w.open(path, {}, opt, &err));
    CHECK_MSG(has(err, "no columns"), err);
    CHECK(!w.open(path, {{"a", PhysicalType::Float, TimeUnit::Micros, false}}, opt, &err));
    CHECK_MSG(has(err, "INT64"), err);
    CHECK(!w.open(path, {{"a", PhysicalType::Int32, std::nullopt, true}}, opt, &err));
    CHECK_MSG(has(err, "BYTE_STREAM_SPLIT"), err);
    CHECK(!w.open(path, {{"a", PhysicalType::Int32}, {"a", PhysicalType::Int64}}, opt, &err));
    CHECK_MSG(has(err, "duplicate"), err);
    CHECK(!w.open(path, {{"", PhysicalType::Int32}}, opt, &err));
    CHECK_MSG(has(err, "empty"), err);
    opt.rowGroupRows = 0;
    CHECK(!w.open(path, schema(), opt, &err));
    CHECK_MSG(has(err, "rowGroupRows"), err);
    opt = {};
    opt.zstdLevel = 99;
    CHECK(!w.open(path, schema(), opt, &err));
    CHECK_MSG(has(err, "zstd level"), err);
    opt = {};
    opt.compression = static_cast<Compression>(42);
    CHECK(!w.open(path, schema(), opt, &err));
    CHECK_MSG(has(err, "compression"), err);
    CHECK(!present(path) && !present(path + ".partial"));

    // A usable writer rejects malformed batches without writing anything or failing.
    CHECK(w.open(path, schema(), {}, &err));
    std::vector<ColumnValues> three(cols.begin(), cols.begin() + 3);
    CHECK(!w.appendRows(three, &err));
    CHECK_MSG(has(err, "3 columns"), err);
    auto wrongType = cols;
    wrongType[1] = std::span<const double>(b.d);
    CHECK(!w.appendRows(wrongType, &err));
    CHECK_MSG(has(err, "'x' expects FLOAT"), err);
    auto shortCol = cols;
    shortCol[2] = std::span<const std::int32_t>(b.n.data(), 9);
    CHECK(!w.appendRows(shortCol, &err));
    CHECK_MSG(has(err, "'n' has 9 values"), err);
    CHECK(w.rowsWritten() == 0);
    CHECK(w.appendRows(cols, &err));
    CHECK(w.appendRows({}, &err) == false); // zero columns for a 4-column schema
    CHECK(w.close(&err));
    CHECK(w.rowsWritten() == 10);
    CHECK(!w.appendRows(cols, &err)); // closed
    CHECK(present(path) && !present(path + ".partial"));
}

void strings() {
    const auto path = (g_dir / "strings.parquet").string();
    ParquetWriter w;
    std::string err;
    WriterOptions opt;
    opt.rowGroupRows = 1000;
    opt.maxRowGroupBytes = 10000; // soft: reached after every 10 rows of 1000-byte strings
    CHECK(w.open(path, {{"id", PhysicalType::Int32}, {"s", PhysicalType::ByteArray}}, opt, &err));
    const std::string big(1000, 'x');
    std::vector<std::string_view> s(10, big);
    std::vector<std::int32_t> id(10, 7);
    for (int i = 0; i < 3; ++i)
        CHECK(w.appendRows({std::span<const std::int32_t>(id), std::span<const std::string_view>(s)}, &err));
    CHECK_MSG(w.rowGroupsWritten() == 3, std::to_string(w.rowGroupsWritten()));
    const std::string huge(kMaxStringBytes + 1, 'y');
    std::vector<std::string_view> one{huge};
    std::vector<std::int32_t> id1{1};
    CHECK(!w.appendRows({std::span<const std::int32_t>(id1), std::span<const std::string_view>(one)}, &err));
    CHECK_MSG(has(err, "exceeds the limit"), err);
    CHECK(w.rowsWritten() == 30);
    CHECK(w.close(&err));
    CHECK(w.rowGroupsWritten() == 3);
}

void publishAndStreaming() {
    const auto path = (g_dir / "stream.parquet").string();
    { std::ofstream(path) << "old contents"; }
    ParquetWriter w;
    std::string err;
    WriterOptions opt;
    opt.rowGroupRows = 1000;
    opt.compression = Compression::None;
    CHECK(w.open(path, schema(), opt, &err));
    CHECK(present(path + ".partial"));
    Batch b(700);
    for (int i = 0; i < 5; ++i) // 3500 rows -> 3 full row groups on disk, 500 rows buffered
        CHECK(w.appendRows(b.columns(), &err));
    CHECK(w.rowGroupsWritten() == 3);
    // 3 row groups x 1000 rows x 24 bytes of values, plus magic and page headers: all on disk already.
    CHECK_MSG(w.bytesWritten() > 3 * 1000 * 24 && w.bytesWritten() < 3 * 1000 * 24 + 4096,
              std::to_string(w.bytesWritten()));
    CHECK(fs::file_size(path + ".partial") == w.bytesWritten());
    w.setMetadata("k", "first-value");
    w.setMetadata("k", "second-value"); // replaces
    CHECK(slurp(path) ==
          "old contents"); // the previous file stays intact until close() publishes the new one
    CHECK(w.close(&err));
    CHECK(w.rowGroupsWritten() == 4);
    CHECK(!present(path + ".partial"));
    const std::string bytes = slurp(path);
    CHECK(bytes.size() == w.bytesWritten());
    CHECK(bytes.substr(0, 4) == "PAR1" && bytes.substr(bytes.size() - 4) == "PAR1");
    std::uint32_t footer = 0;
    std::memcpy(&footer, bytes.data() + bytes.size() - 8, 4);
    CHECK(footer > 0 && footer < bytes.size() - 12);
    const std::string meta = bytes.substr(bytes.size() - 8 - footer, footer);
    CHECK(has(meta, "second-value") && !has(meta, "first-value"));

    // The same writer object can write another file.
    const auto path2 = (g_dir / "stream2.parquet").string();
    CHECK(w.open(path2, schema(), {}, &err));
    CHECK(w.rowsWritten() == 0 && w.rowGroupsWritten() == 0);
    CHECK(w.close(&err));
    CHECK(present(path2));
}

void abortAndDestructor() {
    const auto path = (g_dir / "aborted.parquet").string();
    std::string err;
    {
        ParquetWriter w;
        CHECK(w.open(path, schema(), {}, &err));
        Batch b(100000);
        CHECK(w.appendRows(b.columns(), &err));
        CHECK(present(path + ".partial"));
        w.abort();
        CHECK(!present(path + ".partial") && !present(path));
        CHECK(!w.isOpen());
        CHECK(!w.close(&err));
    }
    {
        ParquetWriter w;
        CHECK(w.open(path, schema(), {}, &err));
        CHECK(w.appendRows(Batch(10).columns(), &err));
    } // destroyed without close()
    CHECK(!present(path + ".partial") && !present(path));
}

void missingDirectory() {
    const auto path = (g_dir / "no-such-dir" / "f.parquet").string();
    ParquetWriter w;
    std::string err;
    CHECK(!w.open(path, schema(), {}, &err));
    CHECK_MSG(has(err, "No such file or directory") && has(err, "no-such-dir"), err);
    CHECK(!present(g_dir / "no-such-dir"));
    // A path component that is a regular file.
    const auto notDir = (g_dir / "stream.parquet" / "f.parquet").string();
    CHECK(!w.open(notDir, schema(), {}, &err));
    CHECK_MSG(has(err, "Not a directory"), err);
    CHECK(!w.open((g_dir / "").string(), schema(), {}, &err));
    CHECK_MSG(has(err, "must name a file"), err);
}

void finalNameIsDirectory() {
    const auto path = g_dir / "is-a-dir.parquet";
    fs::create_directories(path / "child");
    ParquetWriter w;
    std::string err;
    CHECK(w.open(path.string(), schema(), {}, &err));
    CHECK(w.appendRows(Batch(10).columns(), &err));
    CHECK(!w.close(&err));
    CHECK_MSG(has(err, "renaming") && has(err, "Is a directory"), err);
    CHECK(fs::is_directory(path) && !present(path.string() + ".partial"));
    CHECK(!w.appendRows(Batch(1).columns(), &err));
    CHECK_MSG(has(err, "failed earlier"), err);
}

/// Runs fn in a child process (for setuid/rlimit/mount namespaces); returns its exit status (-1 if killed).
template <typename F> int inChild(F fn) {
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid == 0)
        _exit(fn());
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void readOnlyDirectory() {
    const auto dir = g_dir / "readonly";
    fs::create_directories(dir);
    ::chmod(dir.c_str(), 0555);
    const auto path = (dir / "f.parquet").string();
    // Root ignores directory permissions, so the attempt runs as "nobody" in a child.
    const int rc = inChild([&] {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            return 77;
        ParquetWriter w;
        std::string err;
        if (w.open(path, schema(), {}, &err))
            return 1;
        std::fprintf(stderr, "  read-only directory: %s\n", err.c_str());
        return has(err, "Permission denied") && has(err, path + ".partial") ? 0 : 2;
    });
    if (rc == 77)
        std::printf(
            "  note: running as root without the right to switch to 'nobody': read-only case skipped\n");
    else
        CHECK_MSG(rc == 0, "child exit " + std::to_string(rc));
    CHECK(!present(path) && !present(path + ".partial"));
    ::chmod(dir.c_str(), 0755);
}

/// Writes `rows` rows and closes; returns 0 if a call failed with a message containing `errText` (and the
/// writer refuses further use), 1 if everything succeeded, 2 if it failed with another message.
int writeExpectingFailure(const std::string& path, std::size_t rows, const char* errText) {
    ParquetWriter w;
    std::string err;
    WriterOptions opt;
    opt.compression = Compression::Snappy;
    opt.rowGroupRows = 4096;
    if (!w.open(path, schema(), opt, &err)) {
        std::fprintf(stderr, "  open: %s\n", err.c_str());
        return has(err, errText) ? 0 : 2;
    }
    Batch b(1000);
    for (std::size_t done = 0; done < rows; done += 1000) {
        if (!w.appendRows(b.columns(), &err)) {
            std::fprintf(stderr, "  appendRows: %s\n", err.c_str());
            std::string again;
            return has(err, errText) && !w.appendRows(b.columns(), &again) && has(again, "failed earlier")
                       ? 0
                       : 2;
        }
    }
    if (!w.close(&err)) {
        std::fprintf(stderr, "  close: %s\n", err.c_str());
        return has(err, errText) ? 0 : 2;
    }
    return 1;
}

void diskFullViaFileSizeLimit() {
    const auto path = (g_dir / "efbig.parquet").string();
    // 1) The limit is hit while row groups are written.
    int rc = inChild([&] {
        std::signal(SIGXFSZ, SIG_IGN); // write() then fails with EFBIG instead of killing the process
        rlimit lim{64 * 1024, 64 * 1024};
        setrlimit(RLIMIT_FSIZE, &lim);
        return writeExpectingFailure(path, 50000, "File too large");
    });
    CHECK_MSG(rc == 0, "child exit " + std::to_string(rc));
    CHECK(!present(path) && !present(path + ".partial"));

    // 2) All data fits but the footer does not: close() must fail and publish nothing.
    const auto probe = (g_dir / "probe.parquet").string();
    CHECK(writeExpectingFailure(probe, 9000, "") == 1);
    const auto size = fs::file_size(probe);
    rc = inChild([&] {
        std::signal(SIGXFSZ, SIG_IGN);
        rlimit lim{size - 6, size - 6}; // footer length and magic cannot be written
        setrlimit(RLIMIT_FSIZE, &lim);
        return writeExpectingFailure(path, 9000, "File too large");
    });
    CHECK_MSG(rc == 0, "child exit " + std::to_string(rc));
    CHECK(!present(path) && !present(path + ".partial"));
}

void diskFullOnTmpfs() {
    const auto dir = g_dir / "tmpfs";
    fs::create_directories(dir);
    const auto path = (dir / "full.parquet").string();
    const int rc = inChild([&] {
        // A private mount namespace: the 64 KiB tmpfs vanishes with this process, whatever happens.
        if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
            mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=64k") != 0)
            return 77;
        const int r = writeExpectingFailure(path, 50000, "No space left on device");
        const bool clean = !present(path) && !present(path + ".partial");
        return r == 0 && clean ? 0 : 10 + r;
    });
    if (rc == 77) {
        std::printf("  note: cannot mount a private tmpfs here (no CAP_SYS_ADMIN); ENOSPC is covered by the "
                    "RLIMIT_FSIZE case only\n");
        return;
    }
    CHECK_MSG(rc == 0, "child exit " + std::to_string(rc));
}

} // namespace

int main() {
    const char* tmp = std::getenv("TMPDIR");
    g_dir = fs::path(tmp ? tmp : "/tmp") / ("vibra-parquet-writer-" + std::to_string(getpid()));
    fs::remove_all(g_dir);
    fs::create_directories(g_dir);
    ::chmod(g_dir.c_str(), 0755);
    misuse();
    strings();
    publishAndStreaming();
    abortAndDestructor();
    missingDirectory();
    finalNameIsDirectory();
    readOnlyDirectory();
    diskFullViaFileSizeLimit();
    diskFullOnTmpfs();
    fs::remove_all(g_dir);
    return vibra::parquet::test::finish("tst_parquet_writer");
}
