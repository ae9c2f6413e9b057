// Replay tokens (checker/Schedule.h): the lc2 format round-trips every
// schedule, runs of any length included; parsing is strict; a token cut
// short or altered anywhere is refused rather than replaying another
// schedule; sizes are checked before anything is expanded. End to end, a
// truncated token makes `replay` exit 2 instead of replaying a prefix.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "TestSupport.h"
#include "checker/Schedule.h"

namespace lifecheck::testing {
namespace {

using checker::decode_schedule;
using checker::encode_schedule;
using checker::ScheduleChoice;

// The checksum is zlib's CRC-32: the standard check value, so that the
// Python harness's zlib.crc32 agrees.
TEST(Tokens, ChecksumIsZlibCrc32) { EXPECT_EQ(checker::token_checksum("123456789"), 0xCBF43926u); }

TEST(Tokens, RoundTripsAndCompresses) {
  std::vector<ScheduleChoice> steps{0, 0, 0, 1, 2, 2, 0x0301, 1};
  std::string token = encode_schedule(0xabcdef0123456789ull, steps);
  const std::string body = "lc2:abcdef0123456789:0x3.1.2x2.1:3.1";
  char sum[9];
  std::snprintf(sum, sizeof sum, "%08x", checker::token_checksum(body));
  EXPECT_EQ(token, body + ":" + sum);
  std::string error;
  auto d = decode_schedule(token, error);
  ASSERT_TRUE(d) << error;
  EXPECT_EQ(d->fingerprint, 0xabcdef0123456789ull);
  EXPECT_EQ(d->steps, steps);
  auto empty = decode_schedule(encode_schedule(1, {}), error);
  ASSERT_TRUE(empty) << error;
  EXPECT_TRUE(empty->steps.empty());
}

// Issue 9 item 5: simulate --max-steps 1000005 printed a run of more than a
// million identical steps that replay refused.
TEST(Tokens, LongRunsRoundTrip) {
  for (size_t n : {size_t{2}, size_t{1000000}, size_t{1000005}, size_t{20000000}}) {
    std::vector<ScheduleChoice> steps(n, 3);
    steps.push_back(0x0201);
    std::string token = encode_schedule(7, steps);
    std::string error;
    auto d = decode_schedule(token, error);
    ASSERT_TRUE(d) << n << ": " << error;
    EXPECT_EQ(d->steps, steps) << n;
  }
}

RC_GTEST_PROP(Tokens, EverySchedulesRoundTrips, ()) {
  // runs of random lengths (some long) of random choices
  auto runs = *rc::gen::container<std::vector<std::pair<ScheduleChoice, size_t>>>(rc::gen::pair(
      rc::gen::arbitrary<ScheduleChoice>(),
      rc::gen::oneOf(rc::gen::inRange<size_t>(1, 4), rc::gen::inRange<size_t>(1, 100000))));
  std::vector<ScheduleChoice> steps;
  for (auto [c, n] : runs) steps.insert(steps.end(), n, c);
  const uint64_t fp = *rc::gen::arbitrary<uint64_t>();
  std::string error;
  auto d = decode_schedule(encode_schedule(fp, steps), error);
  RC_ASSERT(d.has_value());
  RC_ASSERT(d->fingerprint == fp);
  RC_ASSERT(d->steps == steps);
}

// Issue 9 item 11: every prefix of a token and every one-character change
// is refused (CRC-32 catches every error burst up to 32 bits).
TEST(Tokens, TruncatedOrAlteredTokensAreRefused) {
  std::string token = encode_schedule(0x0123456789abcdefull, {0, 0, 1, 0x0102, 2, 2, 2, 1, 0});
  std::string error;
  ASSERT_TRUE(decode_schedule(token, error)) << error;
  for (size_t n = 0; n < token.size(); ++n)
    EXPECT_FALSE(decode_schedule(token.substr(0, n), error)) << token.substr(0, n);
  EXPECT_FALSE(decode_schedule(token.substr(0, token.size() - 1), error));
  EXPECT_NE(error.find("incomplete"), std::string::npos) << error;
  for (size_t i = 0; i < token.size(); ++i)
    for (char c : std::string("0129afx.:-+ Z\x1b")) {
      if (token[i] == c) continue;
      std::string altered = token;
      altered[i] = c;
      EXPECT_FALSE(decode_schedule(altered, error)) << altered;
    }
  // an inserted character too
  for (size_t i = 0; i <= token.size(); ++i) {
    std::string longer = token;
    longer.insert(i, "0");
    EXPECT_FALSE(decode_schedule(longer, error)) << longer;
  }
}

// A token with a valid checksum over a non-canonical or malformed body (as
// someone might craft by hand) is refused by the strict parser.
std::string sealed(const std::string& body) {
  char sum[9];
  std::snprintf(sum, sizeof sum, "%08x", checker::token_checksum(body));
  return body + ":" + sum;
}

TEST(Tokens, StrictParsing) {
  const std::string fp = "lc2:0000000000000000:";
  std::string error;
  ASSERT_TRUE(decode_schedule(sealed(fp + "0.1:2x3.255"), error)) << error;
  for (const char* bad :
       {" 0",  "+1",   "-0",    "00",   "01",   "256",   "4294967296",
        "1:0", "1:01", "1:256", "1x1",  "1x0",  "1x01",  "1x",
        "1:",  "0.",   ".0",    "0..1", "0.0",  "0x2.0", "1:2.1:2",
        "a",   "0 ",   "0\t1",  "1X2",  "0x-2", "0x+2",  "1x99999999999999999999"}) {
    EXPECT_FALSE(decode_schedule(sealed(fp + bad), error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
  // the fingerprint and checksum are lowercase hex of exact length
  EXPECT_FALSE(decode_schedule(sealed("lc2:000000000000000A:0"), error));
  EXPECT_FALSE(decode_schedule(sealed("lc2:00000000000000000:0"), error));
  std::string upper = sealed(fp + "0.1.0.1.0.1");
  for (size_t i = upper.size() - 8; i < upper.size(); ++i)
    upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
  ASSERT_NE(upper, sealed(fp + "0.1.0.1.0.1")) << "the checksum has a letter";
  EXPECT_FALSE(decode_schedule(upper, error));
  EXPECT_FALSE(decode_schedule(sealed(fp + "0") + "0", error));
  for (const char* bad : {"", "lc2", "lc2:", "lc3:0000000000000000:0:00000000", "garbage"})
    EXPECT_FALSE(decode_schedule(bad, error)) << bad;
}

// lc1 tokens had no checksum: refused, with a message that says why and
// what to do.
TEST(Tokens, Lc1TokensAreRefusedWithAReason) {
  std::string error;
  EXPECT_FALSE(decode_schedule("lc1:abcdef0123456789:0x3.1.2x2.1:3.1", error));
  EXPECT_NE(error.find("lc1"), std::string::npos) << error;
  EXPECT_NE(error.find("no longer accepted"), std::string::npos) << error;
}

// Issue 9 item 4: a 20 KB token asked for 4 GB before its fingerprint was
// checked. Lengths and step counts are bounded before expansion.
TEST(Tokens, SizesAreCheckedBeforeExpansion) {
  std::string error;
  std::string body = "lc2:0000000000000000:";
  for (int i = 0; i < 2000; ++i)
    body += std::string(i ? "." : "") + (i % 2 ? "1" : "0") + "x99999999";
  EXPECT_FALSE(decode_schedule(sealed(body), error));
  EXPECT_NE(error.find("more than"), std::string::npos) << error;
  // the bound is a parameter: the same token fits a larger one in principle
  EXPECT_FALSE(decode_schedule(sealed("lc2:0000000000000000:0x11"), error, 10));
  EXPECT_TRUE(decode_schedule(sealed("lc2:0000000000000000:0x10"), error, 10)) << error;
  std::string huge(checker::kMaxTokenChars + 1, '0');
  EXPECT_FALSE(decode_schedule("lc2:0000000000000000:" + huge, error));
  EXPECT_NE(error.find("longer than"), std::string::npos) << error;
}

// End to end: a cut-off token is "not this counterexample" (exit 2), where
// it used to replay a shorter schedule and exit 0.
TEST(Tokens, ReplayRefusesACutOffToken) {
  std::string file = source_path("scenarios/contract/P7.5-bug.life");
  std::string token = first_counterexample(run_cli({"check", "--json", file}).out)["replay"];
  EXPECT_EQ(run_cli({"replay", file, token}).exit_code, 1);
  for (size_t cut : {size_t{1}, size_t{9}, size_t{12}}) {
    CliResult r = run_cli({"replay", file, token.substr(0, token.size() - cut)});
    EXPECT_EQ(r.exit_code, 2) << token.substr(0, token.size() - cut);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("not the schedule that was printed"), std::string::npos) << r.err;
  }
}

// The emitted script's own token parser (emit/HarnessRun.py.inc) checks the
// checksum the same way: a cut-off token is refused with exit 2.
TEST(Tokens, EmittedScriptRefusesACutOffToken) {
  if (std::system("python3 -c pass >/dev/null 2>&1") != 0) GTEST_SKIP() << "no python3";
  std::string file = source_path("scenarios/basics/cycle2-del.life");
  std::string script = temp_file("", ".py");
  ASSERT_EQ(run_cli({"emit-python", file, "--out", script}).exit_code, 0);
  std::string token =
      only_result(run_cli({"simulate", file, "--seed", "1", "--json"}).out)["run"]["replay"];
  auto run = [&](const std::string& t) {
    std::string cmd = "LIFECHECK_REPLAY='" + t + "' python3 -I '" + script + "' >/dev/null 2>&1";
    int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(run(token), 0);
  EXPECT_EQ(run(token.substr(0, token.size() - 1)), 2);
  EXPECT_EQ(run("lc1:" + token.substr(4, 16) + ":0x3"), 2);
  std::remove(script.c_str());
}

// simulate --max-steps is bounded by what a token can hold, so every token
// simulate prints replays.
TEST(Tokens, SimulateStepsAreBoundedByTheTokenFormat) {
  std::string file = source_path("scenarios/basics/cycle2-del.life");
  EXPECT_EQ(run_cli({"simulate", file, "--seed", "1", "--max-steps", "100000001"}).exit_code, 2);
  EXPECT_EQ(run_cli({"simulate", file, "--seed", "1", "--max-steps", "-1"}).exit_code, 2);
  EXPECT_EQ(run_cli({"simulate", file, "--seed", "1", "--max-steps", "100000000"}).exit_code, 0);
}

}  // namespace
}  // namespace lifecheck::testing
