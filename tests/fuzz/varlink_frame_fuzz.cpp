// Fuzz target: bytes -> FrameDecoder (split at data-derived points) -> parse_call/parse_reply,
// checking the framing and round-trip invariants. Built with libFuzzer or fuzz_main.cpp.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "ipc/varlink.h"

namespace {

using namespace sysbox::ipc;

#define FUZZ_CHECK(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            (void)std::fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, \
                               __LINE__);                                                 \
            std::abort();                                                                 \
        }                                                                                 \
    } while (0)

std::string_view strip_nul(const std::string& frame) {
    FUZZ_CHECK(!frame.empty() && frame.back() == '\0');
    FUZZ_CHECK(frame.find('\0') == frame.size() - 1);  // JSON escapes NUL inside strings
    return std::string_view(frame).substr(0, frame.size() - 1);
}

void check_call(std::string_view frame) {
    auto call = parse_call(frame);
    if (!call) {
        int code = call.error().code();
        FUZZ_CHECK(code == EBADMSG || code == EINVAL || code == EOPNOTSUPP);
        FUZZ_CHECK(!call.error().message().empty());
        return;
    }
    FUZZ_CHECK(valid_method_name(call->method));
    FUZZ_CHECK(call->parameters.is_object());
    std::string again = encode(*call);
    auto reparsed = parse_call(strip_nul(again));
    FUZZ_CHECK(reparsed.has_value());
    FUZZ_CHECK(*reparsed == *call);
}

void check_reply(std::string_view frame) {
    auto reply = parse_reply(frame);
    if (!reply) {
        FUZZ_CHECK(reply.error().code() == EBADMSG || reply.error().code() == EINVAL);
        return;
    }
    FUZZ_CHECK(reply->parameters.is_object());
    FUZZ_CHECK(reply->ok() || valid_method_name(reply->error));
    (void)reply->message();
    std::string again = encode(*reply);
    auto reparsed = parse_reply(strip_nul(again));
    FUZZ_CHECK(reparsed.has_value());
    FUZZ_CHECK(*reparsed == *reply);
}

// Feed `data` in chunks whose sizes come from the data itself; check that the frames,
// rejoined with NULs, reproduce the input, and parse every frame both ways.
void run_decoder(std::string_view data, size_t max) {
    FrameDecoder dec(max);
    std::string rejoined;
    bool failed = false;
    size_t pos = 0, step = 0;
    while (pos < data.size() && !failed) {
        size_t chunk = 1 + static_cast<unsigned char>(data[step++ % data.size()]) % 97;
        chunk = std::min(chunk, data.size() - pos);
        dec.feed(data.substr(pos, chunk));
        pos += chunk;
        while (auto frame = dec.next()) {
            if (!*frame) {
                FUZZ_CHECK(frame->error().code() == EMSGSIZE);
                failed = true;
                break;
            }
            const std::string& text = **frame;
            FUZZ_CHECK(text.size() <= max);
            FUZZ_CHECK(text.find('\0') == std::string::npos);
            rejoined += text;
            rejoined.push_back('\0');
            check_call(text);
            check_reply(text);
        }
    }
    if (failed) {
        // Failure is sticky: later input is dropped and next() keeps reporting it.
        dec.feed("x");
        auto again = dec.next();
        FUZZ_CHECK(again.has_value() && !*again);
        return;
    }
    FUZZ_CHECK(data.substr(0, rejoined.size()) == rejoined);
    FUZZ_CHECK(dec.has_partial() == (rejoined.size() < data.size()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    try {
        run_decoder(input, kMaxMessage);
        run_decoder(input, 64);  // small limit: exercise the oversize paths too
        // The whole input as one frame, NULs and all, must not trip the parsers either.
        check_call(input);
        check_reply(input);
    } catch (const std::exception& e) {
        (void)std::fprintf(stderr, "exception escaped: %s\n", e.what());
        std::abort();
    } catch (...) {
        (void)std::fprintf(stderr, "unknown exception escaped\n");
        std::abort();
    }
    return 0;
}
