// Files users hand to lpgen and files lpgen writes for them, in a careless environment:
// oversized and deeply nested inputs, misspelt keys, empty arguments, unwritable targets.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "layer_set.h"
#include "lpgen/bitserial.hpp"
#include "manifest.h"
#include "safe_files.h"
#include "test_support.h"

namespace lpgen::cli {
namespace {

using test::error_of;

TEST(UserFiles, AnEmptyLayersArgumentIsAnError) {
    EXPECT_NE(error_of([] { load_layers(""); }).find("--layers is empty"), std::string::npos);
}

TEST(UserFiles, AMisspeltLayerKeyIsAnError) {
    const std::string list = R"({"layers": [{"name": "g", "op": "gemm", "m": 4, "n": 4, "k": 4, "kernal": 3}]})";
    EXPECT_NE(error_of([&] { parse_layer_list(list, "test"); }).find("unknown key 'kernal'"), std::string::npos);
    const std::string conv = R"({"layers": [{"op": "conv2d", "height": 8, "channels": 4, "out_channels": 4, "strid": 2}]})";
    EXPECT_NE(error_of([&] { parse_layer_list(conv, "test"); }).find("unknown key 'strid'"), std::string::npos);
}

TEST(UserFiles, DeepNestingIsRefusedBeforeParsing) {
    const std::string deep = R"({"layers": [)" + std::string(100000, '[') + std::string(100000, ']') + "]}";
    EXPECT_NE(error_of([&] { parse_layer_list(deep, "test"); }).find("deeper than 64"), std::string::npos);
    const std::string manifest = R"({"name": "b", "entries": [{"layer_spec": )" + std::string(100000, '{') + "}";
    EXPECT_NE(error_of([&] { parse_manifest(manifest, "test"); }).find("deeper than 64"), std::string::npos);
    // Brackets inside strings do not count.
    EXPECT_NO_THROW(check_json_depth("{\"name\": \"" + std::string(1000, '[') + "\"}", "test"));
}

TEST(UserFiles, UnboundedInputsAreCapped) {
    EXPECT_NE(error_of([] { load_layers("/dev/zero"); }).find("larger than 16 MiB"), std::string::npos);
    EXPECT_NE(error_of([] { load_layers("/no/such/layers.json"); }).find("cannot read layer list"), std::string::npos);
}

TEST(UserFiles, WritesAreAtomicAndRefuseDevicesAndUnwritablePlaces) {
    EXPECT_NE(error_of([] { write_atomically("/dev/full", "x"); }).find("not a regular file"), std::string::npos);
    EXPECT_NE(error_of([] { write_atomically("/proc/lpgen_no_such/x.json", "x"); }).find("cannot write"),
              std::string::npos);
    const std::string dir = std::filesystem::temp_directory_path() / ("lpgen_user_files_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    write_atomically(dir + "/a.json", "first");
    write_atomically(dir + "/a.json", "second");
    EXPECT_EQ(read_capped(dir + "/a.json", "test"), "second");
    EXPECT_NE(error_of([&] { write_atomically(dir, "x"); }).find("not a regular file"), std::string::npos);
    int files = 0;
    for (const auto &entry : std::filesystem::directory_iterator(dir)) files += entry.is_regular_file();
    EXPECT_EQ(files, 1) << "a temporary file was left behind";
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lpgen::cli
