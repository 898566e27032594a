// What the daemon needs from its environment before it reads the log:
// `matchgated --check-config` refuses exactly what the start refuses, with
// the same text, and creates nothing.
#include "matchgate/app/startup_check.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "matchgate/crypto/sm2.hpp"
#include "support/command.hpp"
#include "support/daemon.hpp"

namespace {

namespace app = matchgate::app;
namespace fs = std::filesystem;
using matchgate::testing::CommandRun;
using matchgate::testing::Daemon;
using matchgate::testing::run_command;

constexpr const char* kSetpriv = "/usr/bin/setpriv";
constexpr uid_t kNobody = 65534;  // user nobody, group nogroup on Debian

constexpr const char* kHash =
    "pbkdf2-sha256$200000$UAzXEion4I4qhARKCF5fjQ==$ZTNIE0ZGY13hc5PAyJeuBM4unN5mMh87hJ90TVT84MI=";

// The parts of a config that meet the machine; everything else is fixed.
struct Environment {
  std::string sign_key;  // empty: no sign_key line
  std::string wal_dir;
  std::string log_file;  // empty: log to stderr
  std::string member_extra;
};

class StartupCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("matchgate_startup_check_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    key_ = dir_ / "key.pem";
    matchgate::crypto::generate_sm2_key_pair(key_, dir_ / "key.pub.pem");
    regular_file_ = dir_ / "regular-file";
    std::ofstream(regular_file_) << "not a directory\n";
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_ / "read-only", fs::perms::owner_all, ec);
    fs::remove_all(dir_);
  }

  Environment good() const { return Environment{key_.string(), (dir_ / "wal").string(), "", ""}; }

  fs::path write_config(const Environment& env) const {
    std::string text =
        "[gateway]\nlisten = \"127.0.0.1:" + std::to_string(matchgate::testing::free_port()) +
        "\"\n[engine]\nmax_orders = 1024\nring_capacity = 64\n"
        "[dedup]\nmax_keys = 1024\n[wal]\nsegment_mb = 1\ndir = \"" +
        env.wal_dir + "\"\n";
    if (!env.sign_key.empty()) text += "sign_key = \"" + env.sign_key + "\"\n";
    if (!env.log_file.empty()) text += "[log]\nfile = \"" + env.log_file + "\"\n";
    text += std::string("[[members]]\ncomp_id = \"M1\"\npassword_hash = \"") + kHash +
            "\"\naccounts = [\"A\"]\n" + env.member_extra +
            "\n[[instruments]]\nsymbol = \"ACME\"\ntick_size = \"0.01\"\nlot_size = 1\n"
            "reference_price = \"100.00\"\nprice_band_pct = 10\nmax_order_qty = 1000\n";
    fs::path path = dir_ / "matchgate.toml";
    std::ofstream(path) << text;
    return path;
  }

  // The daemon with `config`, checking only or starting; a start that was
  // not refused is stopped by `timeout` (and then fails the test).
  CommandRun matchgated(const fs::path& config, bool check_only) const {
    return run_command("timeout 20 " + run_as_ + daemon_binary_ + " --config " + config.string() +
                       (check_only ? " --check-config" : ""));
  }

  // Root writes into any directory, so permission bits are checked by
  // running the daemon as user nobody. Nobody must read the key (made its
  // own, still mode 0600) and run the daemon: a copy in the test's
  // directory, as the build tree may be under a home only root may enter.
  void run_daemon_as_nobody() {
    ASSERT_EQ(::access(kSetpriv, X_OK), 0) << kSetpriv << " (util-linux) is needed as root";
    fs::permissions(dir_, fs::perms(0755), fs::perm_options::replace);
    ASSERT_EQ(::chown(key_.c_str(), kNobody, kNobody), 0);
    daemon_binary_ = (dir_ / "matchgated").string();
    fs::copy_file(Daemon::binary("matchgated"), daemon_binary_);
    run_as_ = std::string(kSetpriv) + " --reuid=nobody --regid=nogroup --clear-groups ";
  }

  // --check-config exits 1 with one line naming `key` and containing
  // `problem`; the start exits 1 printing that same line; and
  // check_startable() in process throws exactly it.
  void expect_refused(const Environment& env, const std::string& key, const std::string& problem) {
    const fs::path config = write_config(env);
    const CommandRun check = matchgated(config, true);
    EXPECT_EQ(check.status, 1) << check.out;
    EXPECT_FALSE(check.has("config OK")) << check.out;
    const std::string prefix = config.string() + ": " + key + ": ";
    const std::size_t at = check.out.find(prefix);
    ASSERT_NE(at, std::string::npos) << "expected " << prefix << " in:\n" << check.out;
    const std::string line = check.out.substr(at, check.out.find('\n', at) - at);
    EXPECT_NE(line.find(problem), std::string::npos) << line;

    const CommandRun start = matchgated(config, false);
    EXPECT_EQ(start.status, 1) << start.out;
    EXPECT_TRUE(start.has(line)) << "--check-config said:\n"
                                 << line << "\nthe start said:\n"
                                 << start.out;
    // In process the check runs as this process's user, not as nobody.
    if (!run_as_.empty()) return;
    try {
      app::check_startable(app::load_config(config));
      ADD_FAILURE() << "check_startable accepted what --check-config refused: " << line;
    } catch (const app::ConfigError& e) {
      EXPECT_EQ(e.key(), key);
      EXPECT_EQ(std::string(e.what()), line);
    }
  }

  fs::path dir_;
  fs::path key_;
  fs::path regular_file_;
  std::string daemon_binary_ = Daemon::binary("matchgated");
  std::string run_as_;  // empty: as this process's user
};

TEST_F(StartupCheckTest, GoodEnvironmentPassesAndNothingIsCreated) {
  Environment env = good();
  env.wal_dir = (dir_ / "var" / "wal").string();
  env.log_file = (dir_ / "logs" / "matchgated.log").string();
  const fs::path config = write_config(env);
  const CommandRun check = matchgated(config, true);
  EXPECT_EQ(check.status, 0) << check.out;
  EXPECT_EQ(check.out, "config OK: 1 members, 1 instruments, 1 shards\n");
  // The start would create both (with their parents); the check must not.
  EXPECT_FALSE(fs::exists(dir_ / "var"));
  EXPECT_FALSE(fs::exists(dir_ / "logs"));
  EXPECT_NO_THROW(app::check_startable(app::load_config(config)));
}

TEST_F(StartupCheckTest, ExistingWalDirectoryAndLogFilePass) {
  Environment env = good();
  fs::create_directories(env.wal_dir);
  env.log_file = (dir_ / "matchgated.log").string();
  std::ofstream(env.log_file) << "an older run\n";
  const CommandRun check = matchgated(write_config(env), true);
  EXPECT_EQ(check.status, 0) << check.out;
  EXPECT_TRUE(check.has("config OK")) << check.out;
}

TEST_F(StartupCheckTest, NoSignKey) {
  Environment env = good();
  env.sign_key.clear();
  expect_refused(env, "wal.sign_key",
                 "missing: the write-ahead log is sealed with an SM2 private key; create one with "
                 "`matchgate-wal keygen --private KEY.pem --public KEY.pub.pem` and name it here");
}

TEST_F(StartupCheckTest, MissingKeyFile) {
  Environment env = good();
  env.sign_key = (dir_ / "absent.pem").string();
  expect_refused(env, "wal.sign_key",
                 "cannot open SM2 private key " + env.sign_key + ": No such file or directory");
}

TEST_F(StartupCheckTest, KeyPathIsADirectory) {
  Environment env = good();
  env.sign_key = dir_.string();
  expect_refused(env, "wal.sign_key", "SM2 private key " + env.sign_key + ": not a regular file");
}

TEST_F(StartupCheckTest, KeyReadableByOthers) {
  fs::permissions(key_, fs::perms(0644), fs::perm_options::replace);
  expect_refused(good(), "wal.sign_key",
                 "SM2 private key " + key_.string() +
                     ": mode 0644: a signing key must not be accessible by group or others; "
                     "chmod 600 " +
                     key_.string());
}

TEST_F(StartupCheckTest, KeyThatIsNotAPemKey) {
  std::ofstream(key_, std::ios::trunc) << "sign_key = \"this is not a key\"\n";
  expect_refused(good(), "wal.sign_key",
                 "SM2 private key " + key_.string() + ": not an unencrypted PEM private key");
}

TEST_F(StartupCheckTest, WalDirIsARegularFile) {
  Environment env = good();
  env.wal_dir = regular_file_.string();
  expect_refused(env, "wal.dir", regular_file_.string() + " exists and is not a directory");
}

TEST_F(StartupCheckTest, WalDirUnderARegularFile) {
  Environment env = good();
  env.wal_dir = (regular_file_ / "wal").string();
  expect_refused(env, "wal.dir",
                 "cannot create directory " + env.wal_dir + ": " + regular_file_.string() +
                     " is not a directory");
}

// Permission bits stop only a process without CAP_DAC_OVERRIDE: as root (CI)
// the daemon runs as nobody.
TEST_F(StartupCheckTest, WalDirWithoutWriteAccess) {
  const fs::path read_only = dir_ / "read-only";
  fs::create_directories(read_only);
  fs::permissions(read_only, fs::perms(0555), fs::perm_options::replace);
  if (::geteuid() == 0) {
    ASSERT_NO_FATAL_FAILURE(run_daemon_as_nobody());
  } else if (::access(read_only.c_str(), W_OK) == 0) {
    GTEST_SKIP() << "this process writes into a mode 0555 directory";
  }
  Environment env = good();
  env.wal_dir = (read_only / "wal").string();
  expect_refused(env, "wal.dir",
                 "cannot create directory " + env.wal_dir + ": no write access to directory " +
                     read_only.string() + ": Permission denied");
  env.wal_dir = read_only.string();
  expect_refused(env, "wal.dir",
                 "cannot read and write in directory " + env.wal_dir + ": Permission denied");
}

TEST_F(StartupCheckTest, LogFileUnderARegularFile) {
  Environment env = good();
  env.log_file = (regular_file_ / "logs" / "matchgated.log").string();
  expect_refused(
      env, "log.file",
      "cannot create " + env.log_file + ": " + regular_file_.string() + " is not a directory");
}

TEST_F(StartupCheckTest, LogFileIsADirectory) {
  Environment env = good();
  env.log_file = dir_.string();
  expect_refused(env, "log.file", dir_.string() + " is a directory");
}

// The log file is checked first: the start needs it to report the rest.
TEST_F(StartupCheckTest, FirstRefusalInStartOrder) {
  Environment env;
  env.wal_dir = regular_file_.string();
  env.log_file = dir_.string();
  expect_refused(env, "log.file", "is a directory");
  env.log_file.clear();
  expect_refused(env, "wal.dir", "is not a directory");
}

TEST_F(StartupCheckTest, BundledConfig) {
  const fs::path bundled = fs::path(MATCHGATE_SOURCE_DIR) / "config/matchgate.toml";
  fs::create_directories(dir_ / "var");
  matchgate::crypto::generate_sm2_key_pair(dir_ / "var/wal-sign-key.pem",
                                           dir_ / "var/wal-sign-key.pub.pem");
  const std::string command = "cd " + dir_.string() + " && timeout 20 " +
                              Daemon::binary("matchgated") + " --config " + bundled.string() +
                              " --check-config";
  const CommandRun out = run_command("{ " + command + " 2>/dev/null; }");
  EXPECT_EQ(out.status, 0) << out.out;
  EXPECT_EQ(out.out, "config OK: 2 members, 3 instruments, 2 shards\n");
  const CommandRun err = run_command("{ " + command + " 2>&1 >/dev/null; }");
  EXPECT_EQ(err.status, 0) << err.out;
  EXPECT_EQ(err.out, "");                      // credit_limit is enforced now: no warning about it
  EXPECT_FALSE(fs::exists(dir_ / "var/wal"));  // [wal] dir = "var/wal", not created
}

}  // namespace
