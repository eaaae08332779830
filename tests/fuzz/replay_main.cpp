// Runs every file of the given folders (and files) through a fuzz target's LLVMFuzzerTestOneInput, so that
// the seed corpus and every regression input are checked on each test run, with any compiler and without
// libFuzzer. A failed invariant aborts, which CTest reports with the name of the file being run.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size);

namespace {

int runFile(const std::filesystem::path &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        return 1;
    }
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "running %s (%zu bytes)\n", path.c_str(), bytes.size());
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t *>(bytes.data()), bytes.size());
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    namespace fs = std::filesystem;
    int files = 0;
    int failures = 0;
    for (int i = 1; i < argc; ++i) {
        const fs::path arg(argv[i]);
        std::error_code ec;
        if (fs::is_regular_file(arg, ec)) {
            failures += runFile(arg);
            ++files;
            continue;
        }
        if (!fs::is_directory(arg, ec))
            continue; // a folder that has no inputs yet (regressions) is fine
        for (const fs::directory_entry &entry : fs::recursive_directory_iterator(arg)) {
            if (!entry.is_regular_file() || entry.path().filename().string().front() == '.')
                continue;
            failures += runFile(entry.path());
            ++files;
        }
    }
    if (files == 0) {
        std::fprintf(stderr, "no inputs found\n");
        return 1;
    }
    std::fprintf(stderr, "%d inputs, %d unreadable\n", files, failures);
    return failures == 0 ? 0 : 1;
}
