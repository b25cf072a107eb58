// SPDX-License-Identifier: MIT
// write_atomically with POSIX calls: mkstemp beside the target, write all, fsync,
// rename (atomic within one file system), then fsync the folder so the rename lasts.
#include "io/atomic_write.hpp"

#include "io/file_error.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace io {

namespace {

// The mode a new file gets from open(..., 0666): mkstemp's 0600 would hide the file from other users.
mode_t default_mode(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0) return st.st_mode & 07777;  // keep the mode of the file replaced
  const mode_t mask = ::umask(0);  // umask can only be read by setting it
  ::umask(mask);
  return 0666 & ~mask;
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    bytes.remove_prefix(std::size_t(n));
  }
  return true;
}

}  // namespace

void write_atomically(const std::filesystem::path& file, std::string_view bytes, std::string_view who) {
  const std::filesystem::path folder = file.parent_path().empty() ? "." : file.parent_path();
  std::string temp = (folder / ("." + file.filename().string() + ".tmp-XXXXXX")).string();
  const auto fail = [&](int fd, int error) {
    if (fd >= 0) ::close(fd);
    if (fd != -2) ::unlink(temp.c_str());
    throw FileError(fmt::format("{}: cannot write {}: {}", who, file.string(), std::strerror(error)));
  };
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) fail(-2, errno);  // -2: there is no temporary file to remove
  if (::fchmod(fd, default_mode(file)) != 0 || !write_all(fd, bytes) || ::fsync(fd) != 0) fail(fd, errno);
  if (::close(fd) != 0) fail(-1, errno);
  if (::rename(temp.c_str(), file.c_str()) != 0) fail(-1, errno);
  // Without this the rename itself may be lost in a crash; failing to sync a folder is not an error.
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace io
