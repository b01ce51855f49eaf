// SeccompFilter::compile_cached: compiled programs kept in files named by a hash of their key.
// A file holds the full key, so a hash collision is only a miss, never a wrong filter, and a
// checksum of the program, so an entry torn by a crash is only a miss too (hence no fsync).
// Layout: key, '\0', Header, program (host endianness; the key pins the machine).
#include <fcntl.h>
#include <seccomp.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstring>
#include <iterator>

#include "core/fs.h"
#include "core/sys.h"
#include "runtime/linux/seccomp.h"

namespace sysbox::runtime {

namespace {

// Bump when the compiled form or its meaning changes (dispatcher, ENOSYS rule, flags).
constexpr uint32_t kFormat = 1;
constexpr size_t kMaxEntries = 64;  // custom profiles are rare; never let the dir grow unbounded

struct Header {
    uint32_t format;
    uint32_t flags;
    uint32_t uses_notify;
    uint32_t instructions;
    uint64_t checksum;  // FNV-1a of the program bytes
};

uint64_t fnv1a(std::string_view bytes) {
    uint64_t h = 14695981039346656037ULL;
    for (unsigned char c : bytes)
        h = (h ^ c) * 1099511628211ULL;
    return h;
}

// Length-prefixed, so no name or value can be confused with a separator.
void put(std::string& out, std::string_view s) {
    fmt::format_to(std::back_inserter(out), "{}:{};", s.size(), s);
}
void put(std::string& out, uint64_t v) {
    fmt::format_to(std::back_inserter(out), "{};", v);
}
void put(std::string& out, const std::optional<uint32_t>& v) {
    v ? put(out, *v) : put(out, "-");
}

std::string cache_key(const oci::Seccomp& p) {
    std::string k = fmt::format("sysbox-seccomp {};", kFormat);
    k.reserve(16384);
    const scmp_version* v = seccomp_version();
    put(k, fmt::format("libseccomp {}.{}.{}", v->major, v->minor, v->micro));
    put(k, seccomp_arch_native());
    utsname u{};
    ::uname(&u);
    put(k, u.release);
    put(k, p.default_action);
    put(k, p.default_errno_ret);
    put(k, p.architectures.size());
    for (const auto& a : p.architectures)
        put(k, a);
    put(k, p.flags.size());
    for (const auto& f : p.flags)
        put(k, f);
    put(k, p.syscalls.size());
    for (const auto& r : p.syscalls) {
        put(k, r.action);
        put(k, r.errno_ret);
        put(k, r.names.size());
        for (const auto& n : r.names)
            put(k, n);
        put(k, r.args.size());
        for (const auto& a : r.args) {
            put(k, a.index);
            put(k, a.value);
            put(k, a.value_two);
            put(k, a.op);
        }
    }
    return k;
}

std::string file_for(const std::string& dir, std::string_view key) {
    return fmt::format("{}/{:016x}.bpf", dir, fnv1a(key));  // a name, not a security boundary
}

// Only files this user owns and nobody else can write are trusted.
Result<std::string> read_entry(const std::string& path) {
    auto fd = TRY(sys::open(path, O_RDONLY | O_NOFOLLOW));
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) return Error::from_errno("stat {}", path);
    if (st.st_uid != ::geteuid() || (st.st_mode & 022) != 0)
        return Error::with_code(EPERM, "{} is not owned by us or is writable by others", path);
    return sys::read_all(fd.get());
}

// The program stored for `key`, if the entry is intact.
std::optional<std::string_view> lookup(std::string_view data, std::string_view key, Header& h) {
    if (data.size() < key.size() + 1 + sizeof h || data.substr(0, key.size()) != key ||
        data[key.size()] != '\0')
        return std::nullopt;
    std::memcpy(&h, data.data() + key.size() + 1, sizeof h);
    auto prog = data.substr(key.size() + 1 + sizeof h);
    if (h.format != kFormat || prog.size() != size_t{h.instructions} * sizeof(sock_filter) ||
        fnv1a(prog) != h.checksum)
        return std::nullopt;
    return prog;
}

Result<void> store(const std::string& dir, const std::string& path, const std::string& data) {
    auto entries = fs::list_dir(dir);
    if (!entries) {
        TRY(sys::mkdir_p(dir, 0700));
        entries = std::vector<std::string>{};
    }
    if (entries->size() >= kMaxEntries) return {};
    std::string tmp = fmt::format("{}.tmp.{}", path, ::getpid());
    {
        auto fd = TRY(sys::open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600));
        if (auto w = sys::write_all(fd.get(), data); !w) {
            ::unlink(tmp.c_str());
            return w;
        }
    }
    if (auto r = sys::rename(tmp, path); !r) {
        ::unlink(tmp.c_str());
        return r;
    }
    return {};
}

}  // namespace

Result<SeccompFilter> SeccompFilter::compile_cached(const oci::Seccomp& p, const std::string& dir) {
    std::string key = cache_key(p);
    std::string path = file_for(dir, key);
    Header h{};
    if (auto data = read_entry(path); data) {
        if (auto prog = lookup(*data, key, h)) {
            SeccompFilter f;
            f.m_flags = h.flags;
            f.m_uses_notify = h.uses_notify != 0;
            f.m_program.resize(h.instructions);
            std::memcpy(f.m_program.data(), prog->data(), prog->size());
            return f;
        }
    }
    auto f = TRY(compile(p));
    std::string_view prog(reinterpret_cast<const char*>(f.m_program.data()),
                          f.m_program.size() * sizeof(sock_filter));
    h = {kFormat, f.m_flags, f.m_uses_notify ? 1U : 0U, static_cast<uint32_t>(f.m_program.size()),
         fnv1a(prog)};
    std::string data = key;
    data.push_back('\0');
    data.append(reinterpret_cast<const char*>(&h), sizeof h);
    data.append(prog);
    if (auto stored = store(dir, path, data); !stored)
        spdlog::debug("seccomp cache: {}", stored.error().to_string());
    return f;
}

}  // namespace sysbox::runtime
