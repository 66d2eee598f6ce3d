#pragma once
// IDX files (the MNIST format), plain or gzip-compressed, read through zlib.
// Layout: magic 0x00 0x00 <type> <rank>, then rank big-endian 32-bit sizes,
// then the values; the demo reads type 0x08 (unsigned bytes) only.

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace fashion_mnist {

struct idx_array {
    std::vector<std::size_t> dims;
    std::vector<std::uint8_t> values;
};

namespace detail {

inline std::vector<std::uint8_t> read_gzip_file(const std::string& path) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (f == nullptr) throw std::runtime_error("cannot open " + path);
    std::vector<std::uint8_t> bytes;
    std::uint8_t buf[1 << 16];
    int got;
    while ((got = gzread(f, buf, sizeof buf)) > 0) bytes.insert(bytes.end(), buf, buf + got);
    // A truncated stream ends reads with 0 and leaves Z_BUF_ERROR behind.
    int code = Z_OK;
    const std::string error = gzerror(f, &code);
    gzclose(f);
    if (got < 0 || code != Z_OK) throw std::runtime_error(path + ": not a readable gzip stream (" + error + ")");
    return bytes;
}

inline std::size_t big_endian_u32(const std::uint8_t* p) {
    return (std::size_t(p[0]) << 24) | (std::size_t(p[1]) << 16) | (std::size_t(p[2]) << 8) | std::size_t(p[3]);
}

}  // namespace detail

// Reads an IDX file of unsigned bytes with `rank` dimensions; throws
// std::runtime_error naming the file for a wrong magic number, a header or
// payload that does not match the sizes, and a corrupt or truncated gzip
// stream (a file that is not gzip-compressed is read as it is).
inline idx_array read_idx(const std::string& path, std::size_t rank) {
    if (rank == 0 || rank > 255) throw std::invalid_argument("read_idx: rank must be in [1, 255]");
    const std::vector<std::uint8_t> bytes = detail::read_gzip_file(path);
    char expected[16];
    std::snprintf(expected, sizeof expected, "0x000008%02zx", rank);
    if (bytes.size() < 4 || bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08 || bytes[3] != rank) {
        char found[16] = "(too short)";
        if (bytes.size() >= 4)
            std::snprintf(found, sizeof found, "0x%02x%02x%02x%02x", bytes[0], bytes[1], bytes[2], bytes[3]);
        throw std::runtime_error(path + ": IDX magic number " + found + ", expected " + expected +
                                 " (unsigned bytes, " + std::to_string(rank) + " dimensions)");
    }
    const std::size_t header = 4 + 4 * rank;
    if (bytes.size() < header)
        throw std::runtime_error(path + ": IDX header cut short (" + std::to_string(bytes.size()) + " bytes)");
    idx_array a;
    std::size_t count = 1;
    for (std::size_t d = 0; d < rank; ++d) {
        a.dims.push_back(detail::big_endian_u32(bytes.data() + 4 + 4 * d));
        if (a.dims.back() != 0 && count > std::numeric_limits<std::size_t>::max() / a.dims.back())
            throw std::runtime_error(path + ": IDX sizes overflow");
        count *= a.dims.back();
    }
    if (bytes.size() - header != count)
        throw std::runtime_error(path + ": the IDX header announces " + std::to_string(count) +
                                 " values, the file holds " + std::to_string(bytes.size() - header));
    a.values.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
    return a;
}

// One split of an MNIST-like data set: images scaled to [0, 1], NHWC with one
// channel, and their labels.
struct dataset {
    std::size_t count = 0, height = 0, width = 0;
    std::vector<float> images;         // count x height x width
    std::vector<std::uint8_t> labels;  // count, each < classes

    std::size_t image_size() const { return height * width; }
    const float* image(std::size_t i) const { return images.data() + i * image_size(); }
};

// Reads <prefix>-images-idx3-ubyte.gz and <prefix>-labels-idx1-ubyte.gz from
// dir (prefix "train" or "t10k"); a missing file gets a message that says
// where the data comes from.
inline dataset load_split(const std::string& dir, const std::string& prefix, std::size_t classes = 10) {
    const std::string images_path = dir + "/" + prefix + "-images-idx3-ubyte.gz";
    const std::string labels_path = dir + "/" + prefix + "-labels-idx1-ubyte.gz";
    for (const std::string& p : {images_path, labels_path}) {
        if (std::FILE* f = std::fopen(p.c_str(), "rb")) {
            std::fclose(f);
        } else {
            throw std::runtime_error("cannot open " + p +
                                     "\n  Fashion-MNIST comes with Debian's dataset-fashion-mnist "
                                     "(apt-get install dataset-fashion-mnist),\n  or pass --data DIR for a "
                                     "directory that holds the four *-idx?-ubyte.gz files");
        }
    }
    const idx_array images = read_idx(images_path, 3);
    const idx_array labels = read_idx(labels_path, 1);
    if (labels.dims[0] != images.dims[0])
        throw std::runtime_error(labels_path + " holds " + std::to_string(labels.dims[0]) + " labels for " +
                                 std::to_string(images.dims[0]) + " images");
    dataset d;
    d.count = images.dims[0];
    d.height = images.dims[1];
    d.width = images.dims[2];
    d.images.resize(images.values.size());
    for (std::size_t i = 0; i < d.images.size(); ++i) d.images[i] = static_cast<float>(images.values[i]) / 255.0f;
    d.labels = labels.values;
    for (std::size_t i = 0; i < d.count; ++i)
        if (d.labels[i] >= classes)
            throw std::runtime_error(labels_path + ": label " + std::to_string(d.labels[i]) + " of sample " +
                                     std::to_string(i) + " is not below " + std::to_string(classes));
    return d;
}

}  // namespace fashion_mnist
