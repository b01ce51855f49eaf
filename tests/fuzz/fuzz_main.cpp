// Standalone driver for fuzz targets where libFuzzer is unavailable (GCC builds):
//   <target> CORPUS_DIR [SECONDS [SEED]]
// replays every file in CORPUS_DIR, then mutates corpus inputs (bit flips, inserted bytes
// and JSON tokens, deletions, duplications, splices) for SECONDS with a deterministic SEED.
// An input that crashes is written to ./crash-<target>-<seed>.bin by a signal handler.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

constexpr size_t kMaxInput = size_t{256} * 1024;
std::string g_current;  // the input being run, saved by the crash handler
char g_crash_path[256] = {};

void on_crash(int sig) {
    // Async-signal-safe only: open/write/close.
    int fd = ::open(g_crash_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) {
        (void)!::write(fd, g_current.data(), g_current.size());
        ::close(fd);
    }
    const char msg[] = "fuzz: crashing input saved to ";
    (void)!::write(2, msg, sizeof msg - 1);
    (void)!::write(2, g_crash_path, strnlen(g_crash_path, sizeof g_crash_path));
    (void)!::write(2, "\n", 1);
    (void)::signal(sig, SIG_DFL);
    (void)::raise(sig);
}

void run(const std::string& input) {
    g_current = input;
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(g_current.data()), g_current.size());
}

std::vector<std::string> load_corpus(const std::filesystem::path& dir) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        if (entry.is_regular_file()) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    std::vector<std::string> corpus;
    for (const auto& file : files) {
        std::ifstream in(file, std::ios::binary);
        corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return corpus;
}

class Mutator {
  public:
    explicit Mutator(uint64_t seed) : m_rng(seed) {}

    std::string mutate(const std::vector<std::string>& corpus) {
        std::string s = corpus[pick(corpus.size())];
        size_t rounds = 1 + pick(4);
        for (size_t i = 0; i < rounds; ++i)
            mutate_once(s, corpus);
        if (s.size() > kMaxInput) s.resize(kMaxInput);
        return s;
    }

  private:
    size_t pick(size_t n) {
        return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(m_rng);
    }

    void mutate_once(std::string& s, const std::vector<std::string>& corpus) {
        static const char* const kTokens[] = {"\0",
                                              "{",
                                              "}",
                                              "[",
                                              "]",
                                              "\"",
                                              "\\",
                                              ",",
                                              ":",
                                              "\"method\"",
                                              "\"parameters\"",
                                              "\"error\"",
                                              "\"oneway\":true",
                                              "io.sysbox.mgr.v1.Status",
                                              "null",
                                              "1e999",
                                              "-0.0",
                                              "\\u0000",
                                              "\xff\xfe"};
        size_t at = pick(s.size() + 1);
        switch (pick(6)) {
            case 0:  // flip a bit
                if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1u << pick(8));
                break;
            case 1:  // insert a random byte
                s.insert(at, 1, static_cast<char>(pick(256)));
                break;
            case 2: {  // insert a JSON-ish token (NUL token has length 1)
                size_t t = pick(std::size(kTokens));
                s.insert(at, kTokens[t], t == 0 ? 1 : std::char_traits<char>::length(kTokens[t]));
                break;
            }
            case 3:  // delete a range
                if (at < s.size()) s.erase(at, 1 + pick(std::min<size_t>(s.size() - at, 64)));
                break;
            case 4:  // duplicate a range
                if (at < s.size()) s.insert(at, s.substr(at, 1 + pick(64)));
                break;
            default: {  // splice in part of another input
                const std::string& other = corpus[pick(corpus.size())];
                size_t from = pick(other.size() + 1);
                s.insert(at, other.substr(from, pick(other.size() - from + 1)));
                break;
            }
        }
    }

    std::mt19937_64 m_rng;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        (void)std::fprintf(stderr, "usage: %s CORPUS_DIR [SECONDS [SEED]]\n", argv[0]);
        return 2;
    }
    double seconds = argc > 2 ? std::atof(argv[2]) : 0;
    uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
    std::string name = std::filesystem::path(argv[0]).filename().string();
    (void)std::snprintf(g_crash_path, sizeof g_crash_path, "crash-%s-%llu.bin", name.c_str(),
                        static_cast<unsigned long long>(seed));
    for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL})
        (void)::signal(sig, on_crash);

    std::error_code ec;
    if (!std::filesystem::is_directory(argv[1], ec)) {
        (void)std::fprintf(stderr, "%s: corpus directory %s not found\n", name.c_str(), argv[1]);
        return 2;
    }
    std::vector<std::string> corpus = load_corpus(argv[1]);
    if (corpus.empty()) corpus.emplace_back();
    for (const auto& input : corpus)
        run(input);
    (void)std::printf("%s: replayed %zu corpus inputs\n", name.c_str(), corpus.size());

    Mutator mutator(seed);
    auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    size_t runs = 0;
    while (std::chrono::steady_clock::now() < end) {
        for (int i = 0; i < 64; ++i, ++runs)
            run(mutator.mutate(corpus));
    }
    (void)std::printf("%s: %zu mutated runs in %.0f s (seed %llu), no invariant failed\n",
                      name.c_str(), runs, seconds, static_cast<unsigned long long>(seed));
    return 0;
}
