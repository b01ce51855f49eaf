// Varlink wire format: message parsing/encoding, method names, and NUL framing.
#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include <nlohmann/json.hpp>

#include "ipc/varlink.h"

namespace sysbox::ipc {
namespace {

using nlohmann::json;
using namespace std::string_literals;

// The frame text without its trailing NUL.
std::string body(const std::string& frame) {
    EXPECT_FALSE(frame.empty());
    EXPECT_EQ(frame.back(), '\0');
    return frame.substr(0, frame.size() - 1);
}

TEST(Varlink, CallRoundTripsThroughEncodeAndParse) {
    Call call{"io.sysbox.mgr.v1.Register",
              {{"id", "abc"}, {"pid", 42}, {"list", {1, 2.5, nullptr}}}};
    std::string frame = encode(call);
    EXPECT_EQ(frame.find('\0'), frame.size() - 1);
    auto parsed = parse_call(body(frame));
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(*parsed, call);
}

TEST(Varlink, ReplyRoundTripsForSuccessAndError) {
    Reply ok = Reply::success({{"uid", 165536}});
    auto parsed_ok = parse_reply(body(encode(ok)));
    ASSERT_TRUE(parsed_ok);
    EXPECT_TRUE(parsed_ok->ok());
    EXPECT_EQ(*parsed_ok, ok);

    Reply err = Reply::failure(kErrMethodNotFound, "no such method", {{"method", "a.b.C"}});
    EXPECT_EQ(err.parameters["method"], "a.b.C");
    EXPECT_EQ(err.message(), "no such method");
    auto parsed_err = parse_reply(body(encode(err)));
    ASSERT_TRUE(parsed_err);
    EXPECT_FALSE(parsed_err->ok());
    EXPECT_EQ(parsed_err->error, kErrMethodNotFound);
    EXPECT_EQ(*parsed_err, err);
}

TEST(Varlink, SuccessReplyHasNoErrorMember) {
    EXPECT_EQ(body(encode(Reply::success())), R"({"parameters":{}})");
}

TEST(Varlink, MessageIsEmptyWhenMissingOrNotAString) {
    EXPECT_EQ(Reply::success().message(), "");
    EXPECT_EQ(Reply::success({{"message", 5}}).message(), "");
}

TEST(Varlink, StringParamIsTheStringOrNothing) {
    Call call{"a.b.C", {{"id", "abc"}, {"n", 5}, {"nul", nullptr}}};
    EXPECT_EQ(call.string_param("id"), "abc");
    EXPECT_EQ(call.string_param("n"), std::nullopt);
    EXPECT_EQ(call.string_param("nul"), std::nullopt);
    EXPECT_EQ(call.string_param("missing"), std::nullopt);
}

TEST(Varlink, IntParamRejectsWhatDoesNotFitAnInt) {
    auto parsed = parse_call(
        R"({"method":"a.b.C","parameters":{"fd":3,"neg":-2,"max":2147483647,"big":4294967299,)"
        R"("huge":18446744073709551615,"low":-2147483649,"real":3.0,"text":"3"}})");
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(parsed->int_param("fd"), 3);
    EXPECT_EQ(parsed->int_param("neg"), -2);
    EXPECT_EQ(parsed->int_param("max"), 2147483647);
    EXPECT_EQ(parsed->int_param("big"), std::nullopt);  // not fd 3
    EXPECT_EQ(parsed->int_param("huge"), std::nullopt);
    EXPECT_EQ(parsed->int_param("low"), std::nullopt);
    EXPECT_EQ(parsed->int_param("real"), std::nullopt);
    EXPECT_EQ(parsed->int_param("text"), std::nullopt);
    EXPECT_EQ(parsed->int_param("missing"), std::nullopt);
}

TEST(Varlink, MissingParametersMeanAnEmptyObject) {
    auto call = parse_call(R"({"method":"io.sysbox.mgr.v1.Status"})");
    ASSERT_TRUE(call);
    EXPECT_EQ(call->parameters, json::object());
    auto reply = parse_reply(R"({})");
    ASSERT_TRUE(reply);
    EXPECT_TRUE(reply->ok());
}

TEST(Varlink, MethodNamesFollowTheVarlinkGrammar) {
    for (const char* good : {"io.sysbox.mgr.v1.Register", "a.b.C", "org.varlink.service.GetInfo",
                             "io.sysbox.fs.v2.X9", "a1.2b.Zz"})
        EXPECT_TRUE(valid_method_name(good)) << good;
    for (const char* bad :
         {"", "Register", "a.Register", "io.sysbox.mgr.v1.register", "io..sysbox.X", "io.sysbox.",
          "io.sysbox.X.", "1o.sysbox.X", "io.Sysbox.X", "io.sysbox.X-Y", "io.sys_box.X",
          ".io.sysbox.X", "io.sysbox.x"})
        EXPECT_FALSE(valid_method_name(bad)) << bad;
    EXPECT_FALSE(valid_method_name("io.sysbox.X\0Y"s));
}

TEST(Varlink, NonJsonIsRejectedAsBadMessage) {
    auto r = parse_call("{not json");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), EBADMSG);
    EXPECT_NE(r.error().message().find("not valid JSON"), std::string::npos);
    EXPECT_FALSE(parse_reply("").has_value());
    EXPECT_FALSE(parse_call(R"({"method":"a.b.C"} trailing)").has_value());
}

TEST(Varlink, JsonArrayIsNotACall) {
    auto r = parse_call(R"(["io.sysbox.mgr.v1.Status"])");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), EBADMSG);
    EXPECT_NE(r.error().message().find("not an object"), std::string::npos);
}

TEST(Varlink, CallWithoutMethodIsInvalid) {
    auto r = parse_call(R"({"parameters":{}})");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), EINVAL);
    EXPECT_NE(r.error().message().find("no \"method\""), std::string::npos);
}

TEST(Varlink, NonStringMethodIsInvalid) {
    auto r = parse_call(R"({"method":5})");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), EINVAL);
    EXPECT_NE(r.error().message().find("not a string"), std::string::npos);
}

TEST(Varlink, MalformedMethodNameIsInvalid) {
    auto r = parse_call(R"({"method":"Register"})");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), EINVAL);
    EXPECT_NE(r.error().message().find("Register"), std::string::npos);
}

TEST(Varlink, ParametersMustBeAnObject) {
    for (const char* text :
         {R"({"method":"a.b.C","parameters":[]})", R"({"method":"a.b.C","parameters":null})",
          R"({"method":"a.b.C","parameters":"x"})"}) {
        auto r = parse_call(text);
        ASSERT_FALSE(r) << text;
        EXPECT_EQ(r.error().code(), EINVAL);
        EXPECT_NE(r.error().message().find("parameters"), std::string::npos);
    }
    EXPECT_FALSE(parse_reply(R"({"parameters":[1]})").has_value());
}

TEST(Varlink, OnewayAndMoreCallsAreNotSupported) {
    auto r = parse_call(R"({"method":"a.b.C","oneway":true})");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), EOPNOTSUPP);
    EXPECT_NE(r.error().message().find("oneway"), std::string::npos);
    EXPECT_FALSE(parse_call(R"({"method":"a.b.C","more":true})").has_value());
    EXPECT_TRUE(parse_call(R"({"method":"a.b.C","oneway":false})").has_value());
}

TEST(Varlink, ReplyErrorMustBeAQualifiedName) {
    EXPECT_FALSE(parse_reply(R"({"error":5})").has_value());
    EXPECT_FALSE(parse_reply(R"({"error":"oops"})").has_value());
    EXPECT_TRUE(parse_reply(R"({"error":"a.b.Oops","parameters":{}})").has_value());
}

TEST(Varlink, DeepNestingIsRejectedBeforeParsing) {
    std::string deep = R"({"method":"a.b.C","parameters":{"x":)" + std::string(10000, '[') +
                       std::string(10000, ']') + "}}";
    auto r = parse_call(deep);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), EBADMSG);
    EXPECT_NE(r.error().message().find("deeper"), std::string::npos);
    // Brackets inside strings do not count.
    std::string in_string =
        R"({"method":"a.b.C","parameters":{"x":")" + std::string(1000, '[') + R"(\""}})";
    EXPECT_TRUE(parse_call(in_string).has_value());
    // Exactly the limit is fine: call object, parameters object, then arrays.
    auto nested = [](size_t arrays) {
        return R"({"method":"a.b.C","parameters":{"x":)" + std::string(arrays, '[') +
               std::string(arrays, ']') + "}}";
    };
    EXPECT_TRUE(parse_call(nested(kMaxDepth - 2)).has_value());
    EXPECT_FALSE(parse_call(nested(kMaxDepth - 1)).has_value());
}

TEST(Varlink, InvalidUtf8IsRejectedOnParseAndReplacedOnEncode) {
    EXPECT_FALSE(parse_call("{\"method\":\"a.b.C\",\"parameters\":{\"x\":\"\xff\xfe\"}}"));
    Call call{"a.b.C", {{"x", "bad \xff byte"}}};
    std::string frame = encode(call);
    auto parsed = parse_call(body(frame));
    ASSERT_TRUE(parsed) << parsed.error().message();
    EXPECT_EQ(parsed->parameters["x"], "bad \xEF\xBF\xBD byte");
    Reply reply = Reply::failure(kErrInvalidParameter, "bad \xc3 text");
    EXPECT_TRUE(parse_reply(body(encode(reply))).has_value());
}

TEST(Varlink, DecoderJoinsFramesSplitAcrossFeeds) {
    std::string frame = encode(Call{"a.b.C", {{"k", "v"}}});
    FrameDecoder dec;
    for (char c : frame) {
        EXPECT_FALSE(dec.next().has_value());
        dec.feed(std::string_view(&c, 1));
    }
    auto got = dec.next();
    ASSERT_TRUE(got.has_value());
    ASSERT_TRUE(*got);
    EXPECT_EQ(**got, body(frame));
    EXPECT_FALSE(dec.has_partial());
    EXPECT_FALSE(dec.next().has_value());
}

TEST(Varlink, DecoderSplitsSeveralFramesInOneFeed) {
    FrameDecoder dec;
    dec.feed("one"s + '\0' + "two" + '\0' + '\0' + "thr");
    EXPECT_EQ(dec.next()->value(), "one");
    EXPECT_EQ(dec.next()->value(), "two");
    EXPECT_EQ(dec.next()->value(), "");
    EXPECT_FALSE(dec.next().has_value());
    EXPECT_TRUE(dec.has_partial());
    dec.feed("ee"s + '\0');
    EXPECT_EQ(dec.next()->value(), "three");
    EXPECT_FALSE(dec.has_partial());
}

TEST(Varlink, DecoderRefusesUnterminatedDataOverTheLimit) {
    FrameDecoder dec(8);
    dec.feed("12345678");
    EXPECT_FALSE(dec.next().has_value());  // exactly the limit may still end with a NUL
    dec.feed("9");
    auto got = dec.next();
    ASSERT_TRUE(got.has_value());
    ASSERT_FALSE(*got);
    EXPECT_EQ(got->error().code(), EMSGSIZE);
    // The stream cannot be resynchronised: the decoder stays failed.
    dec.feed("ok"s + '\0');
    ASSERT_TRUE(dec.next().has_value());
    EXPECT_FALSE(*dec.next());
}

TEST(Varlink, DecoderRefusesATerminatedFrameOverTheLimit) {
    FrameDecoder dec(4);
    dec.feed("ab"s + '\0' + "abcde" + '\0');
    EXPECT_EQ(dec.next()->value(), "ab");
    auto got = dec.next();
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->error().code(), EMSGSIZE);
}

TEST(Varlink, DecoderAcceptsAFrameOfExactlyTheDefaultLimit) {
    FrameDecoder dec;
    std::string big(kMaxMessage, 'x');
    dec.feed(big);
    dec.feed("\0"s);
    auto got = dec.next();
    ASSERT_TRUE(got.has_value());
    ASSERT_TRUE(*got);
    EXPECT_EQ(got->value().size(), kMaxMessage);
}

TEST(Varlink, DecoderKeepsMemoryBoundedOverManyFrames) {
    FrameDecoder dec;
    std::string frame = encode(Call{"a.b.C", {}});
    for (int i = 0; i < 10000; ++i) {
        dec.feed(frame);
        auto got = dec.next();
        ASSERT_TRUE(got.has_value() && *got);
    }
    EXPECT_FALSE(dec.has_partial());
}

}  // namespace
}  // namespace sysbox::ipc
