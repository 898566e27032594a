#pragma once
// What the WAL fuzz targets share: the fixed SM2 key pair of fuzz/keys
// (made by fuzz_make_wal_seeds, which also signed the seeds with it, so a
// seal or snapshot that a mutation left intact verifies), a scratch
// directory per process, and writing a file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>

#include "matchgate/crypto/sm2.hpp"
#include "support/temp_dir.hpp"

namespace matchgate::fuzz {

inline std::filesystem::path key_dir() {
  return MATCHGATE_FUZZ_KEY_DIR;
}

inline const crypto::Sm2PublicKey& fuzz_public_key() {
  static const crypto::Sm2PublicKey key =
      crypto::Sm2PublicKey::load_pem(key_dir() / "fuzz-key.pub.pem");
  return key;
}

// A directory of this process's own, emptied for each input; removed at
// exit. In /dev/shm where there is one: the targets write a file per input.
class ScratchDir {
 public:
  // An empty subdirectory `name`.
  std::filesystem::path fresh(const std::string& name) const {
    const std::filesystem::path dir = temp_.path() / name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
  }

 private:
  testing::TempDir temp_{"matchgate-fuzz", std::filesystem::is_directory("/dev/shm")
                                               ? std::filesystem::path("/dev/shm")
                                               : std::filesystem::path("/tmp")};
};

inline void write_bytes(const std::filesystem::path& path, std::span<const std::byte> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) std::abort();
}

}  // namespace matchgate::fuzz
