// bench/cpp/op_floor.cc — the floor under per-op dispatch: the same small ops as
// bench/dispatch.ts called straight from C++ on the same libtorch (no JS, no Python).
// Build + run: bash bench/cpp/run-floor.sh   Prints JSON {op: ns_per_op} (median of 5).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 100000;
  at::set_num_threads(1);
  at::manual_seed(0);
  at::Tensor a = at::randn({8, 8}), b = at::randn({8, 8}), v = at::randn({8});
  std::vector<std::pair<std::string, std::function<void()>>> ops = {
      {"add(t,t)", [&] { auto z = at::add(a, b); }},
      {"mul(t,2.5)", [&] { auto z = a.mul(2.5); }},
      {"relu", [&] { auto z = a.relu(); }},
      {"sum", [&] { auto z = a.sum(); }},
      {"matmul 8x8", [&] { auto z = a.matmul(b); }},
      {"view", [&] { auto z = a.view({64}); }},
      {"softmax(-1)", [&] { auto z = a.softmax(-1); }},
      {"add_ (in-place)", [&] { v.add_(1.0); }},
  };
  std::printf("{\"ns_per_op\": {");
  for (size_t k = 0; k < ops.size(); ++k) {
    for (int i = 0; i < 2000; ++i) ops[k].second();
    std::vector<double> t;
    for (int r = 0; r < 5; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < n; ++i) ops[k].second();
      t.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / n);
    }
    std::sort(t.begin(), t.end());
    std::printf("%s\"%s\": %.1f", k ? ", " : "", ops[k].first.c_str(), t[2]);
  }
  std::printf("}}\n");
}
