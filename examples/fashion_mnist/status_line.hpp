#pragma once
// A status line that follows where stdout goes: on a terminal it is redrawn
// in place (carriage return) at every update; in a log file or a pipe it is
// printed as a line of its own at most every few seconds, plus the final one,
// so logs get no carriage returns and stay short.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace fashion_mnist {

class status_line {
public:
    explicit status_line(std::FILE* out = stdout, double log_interval_s = 5.0)
        : status_line(out, isatty(fileno(out)) != 0, log_interval_s) {}
    status_line(std::FILE* out, bool terminal, double log_interval_s)
        : out_(out), terminal_(terminal), interval_(log_interval_s) {}

    // final: the last update of this line (always shown; a terminal line is ended).
    void show(const std::string& text, bool final = false) {
        if (terminal_) {
            // pad over the rest of a longer previous text
            const std::size_t pad = width_ > text.size() ? width_ - text.size() : 0;
            std::fprintf(out_, "\r%s%s", text.c_str(), std::string(pad, ' ').c_str());
            width_ = final ? 0 : text.size();
            if (final) std::fputc('\n', out_);
        } else {
            const auto now = std::chrono::steady_clock::now();
            if (!final && printed_ && std::chrono::duration<double>(now - last_).count() < interval_) return;
            std::fprintf(out_, "%s\n", text.c_str());
            last_ = now;
            printed_ = true;
        }
        std::fflush(out_);
    }

    // Ends a terminal line that was left without a final update (a log needs nothing).
    void clear() {
        if (terminal_ && width_ != 0) std::fprintf(out_, "\r%s\r", std::string(width_, ' ').c_str());
        width_ = 0;
        std::fflush(out_);
    }

private:
    std::FILE* out_;
    bool terminal_;
    double interval_;
    std::size_t width_ = 0;
    bool printed_ = false;
    std::chrono::steady_clock::time_point last_{};
};

}  // namespace fashion_mnist
