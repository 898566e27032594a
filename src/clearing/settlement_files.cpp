// Writing a settlement report's directory (files, signed manifest) in one
// atomic step, verifying one, comparing two.
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <set>
#include <system_error>

#include "matchgate/clearing/settlement_report.hpp"
#include "matchgate/crypto/sm3.hpp"
#include "report_text.hpp"

namespace matchgate::clearing {

namespace {

namespace fs = std::filesystem;

constexpr const char* kManifest = "manifest.json";
constexpr const char* kSignature = "manifest.sig";

[[noreturn]] void fail_errno(const std::string& what) {
  throw ReportError(what + ": " + std::error_code(errno, std::generic_category()).message());
}

std::string date_dir_name(std::int32_t date) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08d", static_cast<int>(date));
  return buf;
}

std::string sm3_hex(const std::string& bytes) {
  const crypto::Sm3Digest d = crypto::Sm3::digest(bytes.data(), bytes.size());
  return text::hex(d.data(), d.size());
}

void fsync_path(const fs::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) fail_errno("cannot open " + path.string());
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail_errno("cannot fsync " + path.string());
}

// Creates `path` (it must not exist), writes `bytes` and fsyncs it.
void write_new_file(const fs::path& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail_errno("cannot create " + path.string());
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      fail_errno("cannot write " + path.string());
    }
    done += static_cast<std::size_t>(n);
  }
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail_errno("cannot fsync " + path.string());
}

std::optional<std::string> read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string manifest_text(const SettlementReport& r, const std::vector<ReportFile>& files,
                          const crypto::Sm2PrivateKey& key, const ManifestInfo& info) {
  const crypto::Sm3Digest fp = key.public_key().fingerprint();
  std::string out = "{\n";
  out += "  \"format\": \"matchgate-settlement-manifest/1\",\n";
  out += "  \"business_date\": " + std::to_string(r.business_date) + ",\n";
  out += "  \"close_seq\": " + std::to_string(r.close_seq) + ",\n";
  out += "  \"chain_hash_seq\": " + std::to_string(r.chain_hash_seq) + ",\n";
  out += "  \"chain_hash\": \"" + text::hex(r.chain_hash.data(), r.chain_hash.size()) + "\",\n";
  out += "  \"software\": " + text::json_string(info.software) + ",\n";
  out += "  \"sm2_id\": " + text::json_string(info.sm2_id) + ",\n";
  out += "  \"key_fingerprint\": \"" + text::hex(fp.data(), fp.size()) + "\",\n";
  out += "  \"files\": [";
  for (std::size_t i = 0; i < files.size(); ++i) {
    out += (i ? ",\n    " : "\n    ");
    out += "{\"name\": " + text::json_string(files[i].name) +
           ", \"size\": " + std::to_string(files[i].bytes.size()) + ", \"sm3\": \"" +
           sm3_hex(files[i].bytes) + "\"}";
  }
  return out + "\n  ]\n}\n";
}

std::string signature_of(const std::string& manifest, const crypto::Sm2PrivateKey& key,
                         const std::string& sm2_id) {
  std::array<std::uint8_t, crypto::kMaxSm2SignatureSize> sig{};
  const std::size_t n = key.sign(
      {reinterpret_cast<const std::uint8_t*>(manifest.data()), manifest.size()}, sig, sm2_id);
  return std::string(reinterpret_cast<const char*>(sig.data()), n);
}

// Puts the finished `staged` directory at `target`: an atomic exchange
// with the old report if there is one (then the old one is removed).
void install(const fs::path& staged, const fs::path& target) {
  if (::renameat2(AT_FDCWD, staged.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0) {
    return;
  }
  if (errno != EEXIST) fail_errno("cannot rename " + staged.string() + " to " + target.string());
  if (::renameat2(AT_FDCWD, staged.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) != 0) {
    fail_errno("cannot exchange " + staged.string() + " with " + target.string());
  }
  std::error_code ec;
  fs::remove_all(staged, ec);  // now the old report; a leftover is harmless
}

}  // namespace

std::string report_software() {
  return std::string("matchgate ") + MATCHGATE_VERSION;
}

fs::path write_report(const fs::path& report_dir, const SettlementReport& report,
                      const ClearingOptions& options, const crypto::Sm2PrivateKey& key,
                      const ManifestInfo& info) {
  std::error_code ec;
  fs::create_directories(report_dir, ec);
  if (ec) throw ReportError("cannot create " + report_dir.string() + ": " + ec.message());
  const std::string name = date_dir_name(report.business_date);
  std::string templ = (report_dir / ("." + name + ".XXXXXX")).string();
  if (::mkdtemp(templ.data()) == nullptr)
    fail_errno("cannot create a directory in " + report_dir.string());
  const fs::path staged = templ;
  try {
    const std::vector<ReportFile> files = render_report(report, options);
    for (const ReportFile& f : files) write_new_file(staged / f.name, f.bytes);
    const std::string manifest = manifest_text(report, files, key, info);
    write_new_file(staged / kManifest, manifest);
    write_new_file(staged / kSignature, signature_of(manifest, key, info.sm2_id));
    fsync_path(staged, O_RDONLY | O_DIRECTORY);
    install(staged, report_dir / name);
    fsync_path(report_dir, O_RDONLY | O_DIRECTORY);
  } catch (...) {
    fs::remove_all(staged, ec);
    throw;
  }
  return report_dir / name;
}

namespace {

// The manifest's file list, after its signature verified.
struct ListedFile {
  std::string name;
  std::int64_t size = 0;
  std::string sm3;
};

bool plain_name(const std::string& n) {
  return !n.empty() && n.find('/') == std::string::npos && n[0] != '.' && n != kManifest &&
         n != kSignature;
}

std::vector<ListedFile> listed_files(const std::string& manifest) {
  const text::Json doc = text::parse_json(manifest);
  const text::Json* files = doc.find("files");
  if (files == nullptr || files->kind != text::Json::Kind::Array) {
    throw std::runtime_error("no \"files\" list");
  }
  std::vector<ListedFile> out;
  for (const text::Json& f : files->array) {
    const text::Json* name = f.find("name");
    const text::Json* size = f.find("size");
    const text::Json* sm3 = f.find("sm3");
    if (name == nullptr || size == nullptr || sm3 == nullptr ||
        name->kind != text::Json::Kind::String || size->kind != text::Json::Kind::Int ||
        sm3->kind != text::Json::Kind::String || !plain_name(name->string)) {
      throw std::runtime_error("a malformed entry in \"files\"");
    }
    out.push_back(ListedFile{name->string, size->integer, sm3->string});
  }
  return out;
}

void check_listed_file(const fs::path& dir, const ListedFile& f,
                       std::vector<std::string>& problems) {
  const std::optional<std::string> bytes = read_whole(dir / f.name);
  if (!bytes) {
    problems.push_back(f.name + ": missing (the manifest lists it)");
  } else if (static_cast<std::int64_t>(bytes->size()) != f.size) {
    problems.push_back(f.name + ": " + std::to_string(bytes->size()) +
                       " bytes, the manifest says " + std::to_string(f.size));
  } else if (sm3_hex(*bytes) != f.sm3) {
    problems.push_back(f.name + ": its SM3 is not the one in the manifest (the file was changed)");
  }
}

}  // namespace

std::vector<std::string> verify_report(const fs::path& dir, const crypto::Sm2PublicKey& key,
                                       const std::string& sm2_id) {
  const std::optional<std::string> manifest = read_whole(dir / kManifest);
  const std::optional<std::string> sig = read_whole(dir / kSignature);
  if (!manifest) return {std::string(kManifest) + ": missing in " + dir.string()};
  if (!sig) return {std::string(kSignature) + ": missing in " + dir.string()};
  if (!key.verify({reinterpret_cast<const std::uint8_t*>(manifest->data()), manifest->size()},
                  {reinterpret_cast<const std::uint8_t*>(sig->data()), sig->size()}, sm2_id)) {
    return {std::string(kSignature) + " does not verify " + kManifest +
            " with this key: one of the two was changed, or another key signed it"};
  }
  std::vector<ListedFile> files;
  try {
    files = listed_files(*manifest);
  } catch (const std::exception& e) {
    return {std::string(kManifest) + ": " + e.what()};
  }
  std::vector<std::string> problems;
  std::set<std::string> names{kManifest, kSignature};
  for (const ListedFile& f : files) {
    names.insert(f.name);
    check_listed_file(dir, f, problems);
  }
  std::vector<std::string> extra;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string n = entry.path().filename().string();
    if (!names.contains(n)) extra.push_back(n + ": not in the manifest (an extra file)");
  }
  std::sort(extra.begin(), extra.end());
  problems.insert(problems.end(), extra.begin(), extra.end());
  return problems;
}

std::vector<std::string> compare_reports(const fs::path& a, const fs::path& b) {
  const auto names_in = [](const fs::path& dir) {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string n = entry.path().filename().string();
      if (n != kSignature) names.insert(n);
    }
    return names;
  };
  const std::set<std::string> in_a = names_in(a);
  const std::set<std::string> in_b = names_in(b);
  std::vector<std::string> diffs;
  for (const std::string& n : in_a) {
    if (!in_b.contains(n)) {
      diffs.push_back(n + ": only in " + a.string());
    } else if (read_whole(a / n) != read_whole(b / n)) {
      diffs.push_back(n + ": differs");
    }
  }
  for (const std::string& n : in_b) {
    if (!in_a.contains(n)) diffs.push_back(n + ": only in " + b.string());
  }
  return diffs;
}

ReportOutcome write_settlement_report(const ReportRequest& request) noexcept {
  ReportOutcome out;
  try {
    if (request.key == nullptr || request.options == nullptr) {
      throw ReportError("a report request needs the signing key and the clearing options");
    }
    const crypto::Sm2PublicKey pub = request.key->public_key();
    const LogSource log{request.log_dir, &pub, request.sm2_id};
    const SettlementReport report =
        build_settlement_report(log, *request.options, request.business_date, request.through);
    out.dir = write_report(request.options->report_dir, report, *request.options, *request.key,
                           ManifestInfo{request.software, request.sm2_id});
  } catch (const std::exception& e) {
    out.error = std::string("settlement report of ") + std::to_string(request.business_date) +
                ": " + e.what();
  }
  return out;
}

}  // namespace matchgate::clearing
