// SPDX-License-Identifier: MIT
// Writing a file so that a reader sees either the old contents or the new ones,
// never a mix: a temporary file in the same folder, flushed to the disk, then
// renamed over the target. A full disk no longer replaces a good file by half a file.
#pragma once

#include <filesystem>
#include <string_view>

namespace io {

// Writes bytes to file atomically (see above). On failure the temporary file is
// removed, file is left as it was, and io::FileError names who, the file and the
// system's reason ("save_parameters: cannot write m.bin: File too large").
void write_atomically(const std::filesystem::path& file, std::string_view bytes, std::string_view who);

}  // namespace io
