#include "diag/ops/tarball.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <ctime>
#include <memory>

#include "core/sys.h"
#include "core/unique_fd.h"

namespace sysbox::ctl::ops {

namespace {

struct WriteCloser {
    void operator()(archive* a) const { archive_write_free(a); }
};
struct ReadCloser {
    void operator()(archive* a) const { archive_read_free(a); }
};
struct EntryFree {
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};

Error archive_error(archive* a, const std::string& what) {
    const char* msg = archive_error_string(a);
    return Error::with_code(archive_errno(a), "{}: {}", what, msg != nullptr ? msg : "libarchive");
}

Result<void> write_entries(archive* a, const std::vector<TarEntry>& entries) {
    std::unique_ptr<archive_entry, EntryFree> e(archive_entry_new());
    time_t now = ::time(nullptr);
    for (const auto& t : entries) {
        archive_entry_clear(e.get());
        archive_entry_set_pathname(e.get(), t.path.c_str());
        archive_entry_set_filetype(e.get(), AE_IFREG);
        archive_entry_set_perm(e.get(), 0600);
        archive_entry_set_size(e.get(), static_cast<la_int64_t>(t.content.size()));
        archive_entry_set_mtime(e.get(), now, 0);
        if (archive_write_header(a, e.get()) != ARCHIVE_OK)
            return archive_error(a, "add " + t.path);
        if (!t.content.empty() && archive_write_data(a, t.content.data(), t.content.size()) < 0)
            return archive_error(a, "write " + t.path);
    }
    if (archive_write_close(a) != ARCHIVE_OK) return archive_error(a, "finish the archive");
    return {};
}

}  // namespace

Result<void> write_tar_gz(const std::string& out_path, const std::vector<TarEntry>& entries) {
    auto fd = TRY(sys::open(out_path, O_WRONLY | O_CREAT | O_EXCL, 0600)
                      .wrap("create {} (choose a path that does not exist yet)", out_path));
    std::unique_ptr<archive, WriteCloser> a(archive_write_new());
    Result<void> r;
    if (archive_write_add_filter_gzip(a.get()) != ARCHIVE_OK ||
        archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK ||
        archive_write_open_fd(a.get(), fd.get()) != ARCHIVE_OK)
        r = archive_error(a.get(), "start a tar.gz in " + out_path);
    else
        r = write_entries(a.get(), entries);
    if (r) r = sys::fsync(fd.get(), out_path);
    if (!r) {
        (void)sys::unlink(out_path);
        return std::move(r).error().wrap("write {}", out_path);
    }
    return {};
}

Result<std::vector<TarEntry>> read_tar_gz(const std::string& path) {
    std::unique_ptr<archive, ReadCloser> a(archive_read_new());
    archive_read_support_filter_gzip(a.get());
    archive_read_support_format_tar(a.get());
    if (archive_read_open_filename(a.get(), path.c_str(), 65536) != ARCHIVE_OK)
        return archive_error(a.get(), "open " + path);
    std::vector<TarEntry> out;
    archive_entry* e = nullptr;
    int rc;
    while ((rc = archive_read_next_header(a.get(), &e)) == ARCHIVE_OK) {
        if (archive_entry_filetype(e) != AE_IFREG) continue;
        TarEntry t{archive_entry_pathname(e), {}};
        char buf[16384];
        la_ssize_t n;
        while ((n = archive_read_data(a.get(), buf, sizeof buf)) > 0)
            t.content.append(buf, static_cast<size_t>(n));
        if (n < 0) return archive_error(a.get(), "read " + t.path + " in " + path);
        out.push_back(std::move(t));
    }
    if (rc != ARCHIVE_EOF) return archive_error(a.get(), "read " + path);
    return out;
}

}  // namespace sysbox::ctl::ops
