// Small but well-formed files for the sample's documents/: a one-page PDF
// with lines of text and a grayscale PNG. Deterministic: the same inputs
// give the same bytes. Internal to tools/gen_sample.
#ifndef BRIDGEWORK_TOOLS_GEN_SAMPLE_TINY_FILES_H_
#define BRIDGEWORK_TOOLS_GEN_SAMPLE_TINY_FILES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tools/gen_sample/sample_util.h"

namespace bridgework::gen_sample {

// A PDF 1.4 file of one US Letter page showing `lines` in Helvetica.
// Bytes outside printable ASCII are written as '?'.
std::string TinyPdf(const std::vector<std::string>& lines);

enum class PngPicture {
  kXray,  // dark film with a row of bright teeth
  kCard,  // light card with a dark band and text-like marks
};

// A grayscale 8-bit PNG of `width` x `height` pixels (each 1..256), its
// noise drawn from `rng`. Stored (uncompressed) deflate blocks, so any
// reader opens it without needing zlib here.
std::string TinyPng(Rng& rng, PngPicture picture, int width, int height);

}  // namespace bridgework::gen_sample

#endif  // BRIDGEWORK_TOOLS_GEN_SAMPLE_TINY_FILES_H_
